package io.github.tempered.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.github.tempered.data.FashionMnistData;
import io.github.tempered.loss.CrossEntropyLoss;
import java.io.IOException;
import java.util.Locale;

/**
 * A hand-written training loop with DJL's {@link GradientCollector} and Tempered's {@link
 * CrossEntropyLoss}, instead of {@code EasyTrain.fit}: an MLP on Fashion-MNIST.
 *
 * <p>Each step opens a collector, runs the forward pass and the loss (with label smoothing), calls
 * {@code backward}, closes the collector and lets the optimizer step; every epoch then reports the
 * mean training loss and the validation accuracy. The data is Tempered's embedded Fashion-MNIST
 * subset (6,000 training and 2,000 validation images), so no download is needed.
 *
 * <p>Run from the project folder, with optional arguments {@code [epochs [training images]]}
 * (default 3 and 6000):
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.github.tempered.examples.CustomTrainingLoop -Dexec.args="3 6000"
 * </pre>
 */
public final class CustomTrainingLoop {

    private CustomTrainingLoop() {}

    /**
     * Runs the example.
     *
     * @param args {@code [epochs [training images]]}
     * @throws IOException if the data cannot be read
     * @throws TranslateException if DJL cannot batch the data
     */
    public static void main(String[] args) throws IOException, TranslateException {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int trainingImages = args.length > 1 ? Integer.parseInt(args[1]) : 6000;

        Engine.getInstance().setRandomSeed(42);
        FashionMnistData data =
                FashionMnistData.builder()
                        .optSource(FashionMnistData.Source.EMBEDDED)
                        .optSeed(42)
                        .optLimit(trainingImages, 2000, 2000)
                        .build();
        System.out.println(data);

        CrossEntropyLoss loss = CrossEntropyLoss.builder().optLabelSmoothing(0.1f).build();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(128).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(FashionMnistData.NUM_CLASSES).build()));
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(loss)
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(1e-3f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, FashionMnistData.IMAGE_SIZE));
                NDManager manager = trainer.getManager();
                ArrayDataset train = data.dataset(Dataset.Usage.TRAIN, manager, 64);
                ArrayDataset validation = data.dataset(Dataset.Usage.VALIDATION, manager, 500);

                for (int epoch = 1; epoch <= epochs; epoch++) {
                    double lossSum = 0;
                    long seen = 0;
                    for (Batch batch : train.getData(manager)) {
                        try (batch;
                                GradientCollector collector = trainer.newGradientCollector()) {
                            NDList logits = trainer.forward(batch.getData());
                            NDArray batchLoss = loss.evaluate(batch.getLabels(), logits);
                            collector.backward(batchLoss);
                            lossSum += batchLoss.getFloat() * batch.getSize();
                            seen += batch.getSize();
                        }
                        trainer.step(); // the optimizer update (on PyTorch it also zeroes the
                        // gradients)
                    }
                    System.out.printf(
                            Locale.ROOT,
                            "epoch %d: training loss %.4f, validation accuracy %.4f%n",
                            epoch,
                            lossSum / seen,
                            accuracy(trainer, validation, manager));
                }
            }
        }
    }

    /** The fraction of correctly classified images, with the model in inference mode. */
    private static double accuracy(Trainer trainer, ArrayDataset dataset, NDManager manager)
            throws IOException, TranslateException {
        long correct = 0;
        long total = 0;
        for (Batch batch : dataset.getData(manager)) {
            try (batch) {
                NDArray predicted = trainer.evaluate(batch.getData()).head().argMax(1);
                NDArray labels = batch.getLabels().head().toType(DataType.INT64, false);
                correct += predicted.eq(labels).sum().getLong();
                total += batch.getSize();
            }
        }
        return (double) correct / total;
    }
}
