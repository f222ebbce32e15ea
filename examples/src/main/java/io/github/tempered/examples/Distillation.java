package io.github.tempered.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.github.tempered.data.FashionMnistData;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.DistillationLoss;
import java.io.IOException;
import java.util.Locale;

/**
 * Knowledge distillation (Hinton et al. 2015) with Tempered's {@link DistillationLoss}: a small
 * student MLP learns from a larger teacher's softened outputs as well as from the labels, and is
 * compared with the same student trained on the labels alone.
 *
 * <p>The teacher's logits for the training images are computed once and stored as a second label
 * array next to the class indices, which is the label layout {@code DistillationLoss} expects
 * ({@code [hard class indices, teacher logits]}), so plain {@code EasyTrain.fit} trains the
 * student. The data is Tempered's embedded Fashion-MNIST subset (no download).
 *
 * <p>Run from the project folder, with optional arguments {@code [epochs [training images]]}
 * (default 5 and 6000):
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.github.tempered.examples.Distillation -Dexec.args="5 6000"
 * </pre>
 */
public final class Distillation {

    private Distillation() {}

    /**
     * Runs the example.
     *
     * @param args {@code [epochs [training images]]}
     * @throws IOException if the data cannot be read
     * @throws TranslateException if DJL cannot batch the data
     */
    public static void main(String[] args) throws IOException, TranslateException {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int trainingImages = args.length > 1 ? Integer.parseInt(args[1]) : 6000;

        Engine.getInstance().setRandomSeed(42);
        FashionMnistData data =
                FashionMnistData.builder()
                        .optSource(FashionMnistData.Source.EMBEDDED)
                        .optSeed(42)
                        .optLimit(trainingImages, 2000, 2000)
                        .build();
        System.out.println(data);

        try (NDManager manager = NDManager.newBaseManager();
                Model teacher = Model.newInstance("teacher");
                Model student = Model.newInstance("student");
                Model baseline = Model.newInstance("baseline")) {
            NDArray images = data.images(Dataset.Usage.TRAIN, manager);
            NDArray labels = data.labels(Dataset.Usage.TRAIN, manager);
            NDArray testImages = data.images(Dataset.Usage.TEST, manager);
            NDArray testLabels = data.labels(Dataset.Usage.TEST, manager);

            // 1. The teacher: a wide MLP trained on the labels.
            teacher.setBlock(mlp(512));
            ArrayDataset hard =
                    new ArrayDataset.Builder()
                            .setData(images)
                            .optLabels(labels)
                            .setSampling(64, true)
                            .build();
            NDArray teacherLogits;
            try (Trainer trainer = teacher.newTrainer(config(CrossEntropyLoss.builder().build()))) {
                trainer.initialize(new Shape(1, FashionMnistData.IMAGE_SIZE));
                EasyTrain.fit(trainer, epochs, hard, null);
                report("teacher (512 hidden units)", trainer, testImages, testLabels);
                teacherLogits = trainer.evaluate(new NDList(images)).head();
                teacherLogits.attach(manager);
            }

            // 2. The student learns from the labels and the teacher's logits softened by T = 4.
            student.setBlock(mlp(32));
            ArrayDataset soft =
                    new ArrayDataset.Builder()
                            .setData(images)
                            .optLabels(labels, teacherLogits)
                            .setSampling(64, true)
                            .build();
            DistillationLoss distillation =
                    DistillationLoss.builder().optTemperature(4f).optAlpha(0.7f).build();
            try (Trainer trainer = student.newTrainer(config(distillation))) {
                trainer.initialize(new Shape(1, FashionMnistData.IMAGE_SIZE));
                EasyTrain.fit(trainer, epochs, soft, null);
                report("student (32), distilled", trainer, testImages, testLabels);
            }

            // 3. The same student trained on the labels alone, for comparison.
            baseline.setBlock(mlp(32));
            try (Trainer trainer =
                    baseline.newTrainer(config(CrossEntropyLoss.builder().build()))) {
                trainer.initialize(new Shape(1, FashionMnistData.IMAGE_SIZE));
                EasyTrain.fit(trainer, epochs, hard, null);
                report("student (32), labels only", trainer, testImages, testLabels);
            }
        }
    }

    private static Block mlp(int hidden) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(FashionMnistData.NUM_CLASSES).build());
    }

    private static DefaultTrainingConfig config(Loss loss) {
        return new DefaultTrainingConfig(loss)
                .optOptimizer(
                        Optimizer.adam().optLearningRateTracker(Tracker.fixed(2e-3f)).build());
    }

    private static void report(String name, Trainer trainer, NDArray images, NDArray labels) {
        NDArray predicted = trainer.evaluate(new NDList(images)).head().argMax(1);
        double accuracy =
                predicted
                        .eq(labels.toType(DataType.INT64, false))
                        .toType(DataType.FLOAT64, false)
                        .mean()
                        .getDouble();
        System.out.printf(Locale.ROOT, "%-28s test accuracy %.4f%n", name, accuracy);
    }
}
