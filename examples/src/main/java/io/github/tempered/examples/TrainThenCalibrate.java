package io.github.tempered.examples;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.ReliabilityDiagram;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.data.FashionMnistData;
import io.github.tempered.loss.CrossEntropyLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Train, then calibrate: an MLP trained on Fashion-MNIST, its temperature fitted on the validation
 * split with {@link TemperatureScaler}, and the calibration of the test split compared before and
 * after, in numbers and as a pair of reliability diagrams.
 *
 * <p>The data is Tempered's embedded Fashion-MNIST subset (no download). The fit sees only the
 * validation images; the test images measure the result.
 *
 * <p>Run from the project folder, with optional arguments {@code [epochs [training images [output
 * folder]]]} (default 5, 6000 and {@code tempered-out}):
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=io.github.tempered.examples.TrainThenCalibrate -Dexec.args="5 6000 tempered-out"
 * </pre>
 */
public final class TrainThenCalibrate {

    private TrainThenCalibrate() {}

    /**
     * Runs the example.
     *
     * @param args {@code [epochs [training images [output folder]]]}
     * @throws IOException if the data cannot be read or the diagram written
     * @throws TranslateException if DJL cannot batch the data
     */
    public static void main(String[] args) throws IOException, TranslateException {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int trainingImages = args.length > 1 ? Integer.parseInt(args[1]) : 6000;
        Path out = Path.of(args.length > 2 ? args[2] : "tempered-out");

        Engine.getInstance().setRandomSeed(42);
        FashionMnistData data =
                FashionMnistData.builder()
                        .optSource(FashionMnistData.Source.EMBEDDED)
                        .optSeed(42)
                        .optLimit(trainingImages, 2000, 2000)
                        .build();
        System.out.println(data);

        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(
                    new SequentialBlock()
                            .add(Linear.builder().setUnits(256).build())
                            .add(Activation::relu)
                            .add(Linear.builder().setUnits(FashionMnistData.NUM_CLASSES).build()));
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(CrossEntropyLoss.builder().build())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(2e-3f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, FashionMnistData.IMAGE_SIZE));
                NDManager manager = trainer.getManager();
                ArrayDataset train = data.dataset(Dataset.Usage.TRAIN, manager, 64);
                EasyTrain.fit(trainer, epochs, train, null);

                // Logits of the validation split fit T; those of the test split measure it.
                NDArray validationLogits = logits(trainer, data, Dataset.Usage.VALIDATION, manager);
                NDArray validationLabels = data.labels(Dataset.Usage.VALIDATION, manager);
                NDArray testLogits = logits(trainer, data, Dataset.Usage.TEST, manager);
                NDArray testLabels = data.labels(Dataset.Usage.TEST, manager);

                TemperatureFit fit =
                        new TemperatureScaler().fit(validationLogits, validationLabels);
                System.out.printf(
                        Locale.ROOT,
                        "fitted T = %.4f (validation NLL %.4f -> %.4f, %d iterations)%n",
                        fit.temperature(),
                        fit.nllBefore(),
                        fit.nllAfter(),
                        fit.iterations());

                CalibrationReport before = CalibrationReport.ofLogits(testLogits, testLabels, 15);
                CalibrationReport after =
                        CalibrationReport.of(fit.apply(testLogits), testLabels, 15);
                System.out.printf(
                        Locale.ROOT,
                        "test accuracy %.4f; ECE %.4f -> %.4f; NLL %.4f -> %.4f%n",
                        before.accuracy(),
                        before.ece(),
                        after.ece(),
                        before.nll(),
                        after.nll());

                Files.createDirectories(out);
                Path png = out.resolve("train-then-calibrate.png");
                ReliabilityDiagram.pair(before, after).savePng(png);
                System.out.println("reliability diagrams: " + png);
            }
        }
    }

    /** The model's logits for every image of a split, in file order, (N, 10). */
    private static NDArray logits(
            Trainer trainer, FashionMnistData data, Dataset.Usage usage, NDManager manager) {
        NDArray images = data.images(usage, manager);
        return trainer.evaluate(new NDList(images)).head();
    }
}
