package io.github.tempered.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.data.FashionMnistData;
import io.github.tempered.data.SeededShuffle;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.DistillationLoss;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tempered distill}: train a wide teacher MLP, then the same small student twice (hard
 * labels only, and distilled from the teacher's softened outputs) and compare them on the test
 * split.
 */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        description = {
            "Knowledge distillation on Fashion-MNIST (Hinton et al. 2015): train a wide teacher"
                    + " MLP, then the same small student twice with the same seed and epochs, once"
                    + " on hard labels and once with DistillationLoss, and report test accuracy,"
                    + " NLL and ECE of all three.",
            "Example: tempered distill --temperature 4 --alpha 0.7 --epochs 8 --json distill.json"
        })
final class DistillCommand implements Callable<Integer>, Tempered.Verbosity {

    @Spec private CommandSpec spec;

    @Mixin private DataOptions dataOptions;

    @Option(
            names = "--epochs",
            paramLabel = "N",
            defaultValue = "8",
            description = "Training epochs of each model (default: ${DEFAULT-VALUE}).")
    private int epochs;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            defaultValue = "4",
            description = "Distillation temperature (default: ${DEFAULT-VALUE}).")
    private float temperature;

    @Option(
            names = "--alpha",
            paramLabel = "A",
            defaultValue = "0.7",
            description = "Weight of the soft-target term (default: ${DEFAULT-VALUE}).")
    private float alpha;

    @Option(
            names = "--teacher-hidden",
            paramLabel = "H1,H2",
            split = ",",
            defaultValue = "1024,512",
            description = "Teacher hidden layers (default: ${DEFAULT-VALUE}).")
    private int[] teacherHidden;

    @Option(
            names = "--student-hidden",
            paramLabel = "H1,H2",
            split = ",",
            defaultValue = "32,16",
            description = "Student hidden layers (default: ${DEFAULT-VALUE}).")
    private int[] studentHidden;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON.")
    private Path json;

    @Option(names = "--verbose", description = "Show stack traces of failures.")
    private boolean verbose;

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException, TranslateException {
        if (epochs < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--epochs must be >= 1, got " + epochs);
        }
        if (teacherHidden.length != 2 || studentHidden.length != 2) {
            throw new ParameterException(
                    spec.commandLine(), "--teacher-hidden and --student-hidden take two numbers");
        }
        for (int units :
                new int[] {
                    teacherHidden[0], teacherHidden[1], studentHidden[0], studentHidden[1]
                }) {
            if (units < 1) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--teacher-hidden and --student-hidden take sizes >= 1, got "
                                + teacherHidden[0]
                                + ","
                                + teacherHidden[1]
                                + " and "
                                + studentHidden[0]
                                + ","
                                + studentHidden[1]);
            }
        }
        if (!(temperature > 0) || Float.isInfinite(temperature)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--temperature must be finite and greater than 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new ParameterException(
                    spec.commandLine(), "--alpha must be in [0, 1], got " + alpha);
        }
        DistillationLoss distillation =
                DistillationLoss.builder().optTemperature(temperature).optAlpha(alpha).build();
        PrintWriter w = spec.commandLine().getOut();
        FashionMnistData data = dataOptions.load(spec.commandLine());
        long seed = dataOptions.seed;
        w.println("Tempered distill: " + data);
        w.flush();

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("data", data.toString());
        results.put("seed", seed);
        results.put("epochs", epochs);
        results.put("temperature", temperature);
        results.put("alpha", alpha);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray trainImages = data.images(Usage.TRAIN, manager);
            NDArray trainLabels = data.labels(Usage.TRAIN, manager);
            NDArray testImages = data.images(Usage.TEST, manager);
            NDArray testLabels = data.labels(Usage.TEST, manager);
            CrossEntropyLoss hard = CrossEntropyLoss.builder().build();

            w.println("Training the teacher " + shape(teacherHidden) + "...");
            w.flush();
            NDArray teacherLogits;
            try (Model teacher = model(teacherHidden, seed)) {
                Classifiers.train(teacher, hard, data, manager, epochs, 1e-3f);
                teacherLogits = Classifiers.logits(teacher, trainImages);
                results.put("teacher", evaluate(teacher, testImages, testLabels, teacherHidden));
            }

            w.println("Training the student " + shape(studentHidden) + " on hard labels...");
            w.flush();
            results.put(
                    "student_hard_labels",
                    trainStudent(
                            hard,
                            labelsOnly(trainImages, trainLabels, seed),
                            seed,
                            testImages,
                            testLabels));

            w.println(
                    "Training the same student distilled (T = "
                            + temperature
                            + ", alpha = "
                            + alpha
                            + ")...");
            w.flush();
            ArrayDataset soft =
                    new ArrayDataset.Builder()
                            .setData(trainImages)
                            .optLabels(trainLabels, teacherLogits)
                            .setSampling(
                                    new BatchSampler(
                                            new SeededShuffle(seed), Classifiers.BATCH_SIZE, false))
                            .build();
            results.put(
                    "student_distilled",
                    trainStudent(distillation, soft, seed, testImages, testLabels));
        }
        w.println();
        w.printf(
                Locale.ROOT,
                "Test set, %d images:%n  %-22s %9s %9s %9s%n",
                data.size(Usage.TEST),
                "",
                "accuracy",
                "NLL",
                "ECE");
        for (String key : new String[] {"teacher", "student_hard_labels", "student_distilled"}) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) results.get(key);
            w.printf(
                    Locale.ROOT,
                    "  %-22s %8.2f%% %9.4f %8.2f%%%n",
                    key.replace('_', ' '),
                    100 * (double) m.get("accuracy"),
                    (double) m.get("nll"),
                    100 * (double) m.get("ece"));
        }
        if (json != null) {
            Reports.writeJson(json, results);
            w.println("Wrote " + json);
        }
        w.flush();
        return 0;
    }

    private ArrayDataset labelsOnly(NDArray images, NDArray labels, long seed) {
        return new ArrayDataset.Builder()
                .setData(images)
                .optLabels(labels)
                .setSampling(
                        new BatchSampler(new SeededShuffle(seed), Classifiers.BATCH_SIZE, false))
                .build();
    }

    private Map<String, Object> trainStudent(
            Loss loss, ArrayDataset train, long seed, NDArray testImages, NDArray testLabels)
            throws IOException, TranslateException {
        try (Model student = model(studentHidden, seed)) {
            Classifiers.train(student, loss, train, null, epochs, 1e-3f);
            return evaluate(student, testImages, testLabels, studentHidden);
        }
    }

    private static Model model(int[] hidden, long seed) {
        // The same seed before each model: both students start from the same weights.
        Engine.getInstance().setRandomSeed((int) seed);
        Model model = Model.newInstance("tempered-distill-mlp");
        model.setBlock(Classifiers.mlp(hidden[0], hidden[1], FashionMnistData.NUM_CLASSES));
        return model;
    }

    private static Map<String, Object> evaluate(
            Model model, NDArray images, NDArray labels, int[] hidden) {
        try (NDManager scope = images.getManager().newSubManager()) {
            NDArray logits = Classifiers.logits(model, images);
            logits.attach(scope);
            CalibrationReport report = CalibrationReport.ofLogits(logits, labels, 15);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hidden", shape(hidden));
            m.put("accuracy", report.accuracy());
            m.put("nll", report.nll());
            m.put("ece", report.ece());
            return m;
        }
    }

    private static String shape(int[] hidden) {
        return "784-" + hidden[0] + "-" + hidden[1] + "-" + FashionMnistData.NUM_CLASSES;
    }

    /** {@inheritDoc} */
    @Override
    public boolean verbose() {
        return verbose;
    }
}
