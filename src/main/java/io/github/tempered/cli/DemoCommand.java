package io.github.tempered.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.translate.TranslateException;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.ReliabilityDiagram;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.data.FashionMnistData;
import io.github.tempered.loss.CrossEntropyLoss;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tempered demo}: train an MLP on Fashion-MNIST with Tempered's {@code CrossEntropyLoss},
 * then fit a temperature on the validation split and report calibration on the test split.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Train an MLP on Fashion-MNIST with Tempered's CrossEntropyLoss (EasyTrain, Adam),"
                    + " fit a temperature on the validation split, and report test accuracy, NLL,"
                    + " ECE and MCE before and after, with reliability diagrams and a JSON report.",
            "Uses Debian's dataset-fashion-mnist files when present (or --data DIR), else the"
                    + " subset embedded in the jar. Deterministic for a given --seed.",
            "Example: tempered demo --epochs 20 --seed 42 --out tempered-out"
        })
final class DemoCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private final TrainingOptions training = new TrainingOptions(20);

    @Mixin private LoggingOptions logging;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            defaultValue = "tempered-out",
            description = "Output directory (default: ${DEFAULT-VALUE}).")
    private Path out;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException, TranslateException {
        training.checkEpochs();
        int epochs = training.epochs;
        PrintWriter w = spec.commandLine().getOut();
        long start = System.nanoTime();
        FashionMnistData dataset = training.load();
        long seed = training.seed;
        w.println("Tempered demo: " + dataset);
        w.flush();

        Engine.getInstance().setRandomSeed((int) seed);
        CrossEntropyLoss loss = CrossEntropyLoss.builder().build();
        Map<String, Object> report = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager();
                Model model = Model.newInstance("tempered-demo-mlp")) {
            model.setBlock(Classifiers.mlp(512, 256, FashionMnistData.NUM_CLASSES));
            long trainStart = System.nanoTime();
            Classifiers.TrainingSummary summary =
                    Classifiers.train(
                            model, loss, dataset, manager, epochs, 1e-3f, training.progress());
            double trainSeconds = (System.nanoTime() - trainStart) / 1e9;

            NDArray valLogits =
                    Classifiers.logits(model, dataset.images(Usage.VALIDATION, manager));
            NDArray valLabels = dataset.labels(Usage.VALIDATION, manager);
            NDArray testLogits = Classifiers.logits(model, dataset.images(Usage.TEST, manager));
            NDArray testLabels = dataset.labels(Usage.TEST, manager);

            TemperatureFit fit = new TemperatureScaler().fit(valLogits, valLabels);
            double t = fit.temperature();
            CalibrationReport before = CalibrationReport.ofLogits(testLogits, testLabels, 15);
            CalibrationReport after = CalibrationReport.ofLogits(testLogits.div(t), testLabels, 15);

            w.printf(
                    Locale.ROOT,
                    "%nTrained %d epochs in %.1f s; final training loss %.4f.%n",
                    epochs,
                    trainSeconds,
                    summary.trainLoss());
            w.printf(
                    Locale.ROOT,
                    "Temperature fitted on %d validation images: T = %.4f (NLL %.4f -> %.4f, %d"
                            + " iterations)%n",
                    dataset.size(Usage.VALIDATION),
                    t,
                    fit.nllBefore(),
                    fit.nllAfter(),
                    fit.iterations());
            w.println("Test set, " + dataset.size(Usage.TEST) + " images, 15 bins:");
            w.print(Reports.table(before, after));

            report.put("data", dataset.toString());
            report.put("seed", seed);
            report.put("epochs", epochs);
            report.put("train_loss", summary.trainLoss());
            report.put("temperature", t);
            Map<String, Object> fitPart = new LinkedHashMap<>();
            fitPart.put("n", dataset.size(Usage.VALIDATION));
            fitPart.put("nll_before", fit.nllBefore());
            fitPart.put("nll_after", fit.nllAfter());
            fitPart.put("iterations", fit.iterations());
            report.put("fit", fitPart);
            report.put("test", Reports.beforeAfter(before, after));
            report.put("train_seconds", trainSeconds);

            Path dir = out == null ? Paths.get("tempered-out") : out;
            Reports.writePlot(dir.resolve("reliability.png"), before, after);
            ReliabilityDiagram.of(before).savePng(dir.resolve("reliability-before.png"));
            ReliabilityDiagram.of(after).savePng(dir.resolve("reliability-after.png"));
            report.put("total_seconds", (System.nanoTime() - start) / 1e9);
            Reports.writeJson(dir.resolve("report.json"), report);
            w.println(
                    "Wrote " + dir.resolve("report.json") + " and reliability diagrams in " + dir);
            w.flush();
        }
        return 0;
    }
}
