package io.github.tempered.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
 * split: accuracy, NLL and ECE, and how closely each student follows the teacher (the share of test
 * images where their predicted classes agree, and the soft-target loss {@code T^2 *
 * KL(softmax(teacher / T) || softmax(student / T))}).
 */
@Command(
        name = "distill",
        mixinStandardHelpOptions = true,
        description = {
            "Knowledge distillation on Fashion-MNIST (Hinton et al. 2015): train a wide teacher"
                    + " MLP, then the same small student twice with the same seed and epochs, once"
                    + " on hard labels and once with DistillationLoss, and report test accuracy,"
                    + " NLL and ECE of all three, and each student's agreement with the teacher and"
                    + " soft-target loss.",
            "Distillation makes the student follow the teacher more closely; whether that raises"
                    + " its accuracy depends on the models, T, alpha and the epochs (README shows a"
                    + " case where it does not).",
            "Example: tempered distill --temperature 4 --alpha 0.7 --epochs 8 --json distill.json"
        })
final class DistillCommand implements Callable<Integer> {

    /** The models compared, as named in the JSON report. */
    private static final String[] MODELS = {"teacher", "student_hard_labels", "student_distilled"};

    @Spec private CommandSpec spec;

    @Mixin private final TrainingOptions training = new TrainingOptions(8);

    @Mixin private LoggingOptions logging;

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

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException, TranslateException {
        checkOptions();
        DistillationLoss distillation =
                DistillationLoss.builder().optTemperature(temperature).optAlpha(alpha).build();
        PrintWriter w = spec.commandLine().getOut();
        FashionMnistData data = training.load();
        long seed = training.seed;
        TrainingProgress progress = training.progress();
        w.println("Tempered distill: " + data);
        w.flush();

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("data", data.toString());
        results.put("seed", seed);
        results.put("epochs", training.epochs);
        results.put("temperature", temperature);
        results.put("alpha", alpha);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray trainImages = data.images(Usage.TRAIN, manager);
            NDArray trainLabels = data.labels(Usage.TRAIN, manager);
            Comparison test =
                    new Comparison(
                            data.images(Usage.TEST, manager),
                            data.labels(Usage.TEST, manager),
                            temperature);
            CrossEntropyLoss hard = CrossEntropyLoss.builder().build();

            w.println("Training the teacher " + shape(teacherHidden) + "...");
            w.flush();
            NDArray teacherLogits;
            try (Model teacher = model(teacherHidden, seed)) {
                Classifiers.train(teacher, hard, data, manager, training.epochs, 1e-3f, progress);
                teacherLogits = Classifiers.logits(teacher, trainImages);
                results.put(MODELS[0], test.teacher(teacher, shape(teacherHidden)));
            }

            w.println("Training the student " + shape(studentHidden) + " on hard labels...");
            w.flush();
            results.put(
                    MODELS[1],
                    trainStudent(hard, batches(trainImages, seed, trainLabels), test, progress));

            w.println(
                    "Training the same student distilled (T = "
                            + temperature
                            + ", alpha = "
                            + alpha
                            + ")...");
            w.flush();
            results.put(
                    MODELS[2],
                    trainStudent(
                            distillation,
                            batches(trainImages, seed, trainLabels, teacherLogits),
                            test,
                            progress));
        }
        w.println();
        w.print(table(results, data.size(Usage.TEST)));
        w.println(verdict(results));
        if (json != null) {
            Reports.writeJson(json, results);
            w.println("Wrote " + json);
        }
        w.flush();
        return 0;
    }

    private void checkOptions() {
        training.checkEpochs();
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
    }

    /** Shuffled training batches of the images with the given labels (seeded). */
    private static ArrayDataset batches(NDArray images, long seed, NDArray... labels) {
        return new ArrayDataset.Builder()
                .setData(images)
                .optLabels(labels)
                .setSampling(
                        new BatchSampler(new SeededShuffle(seed), Classifiers.BATCH_SIZE, false))
                .build();
    }

    private Map<String, Object> trainStudent(
            Loss loss, ArrayDataset train, Comparison test, TrainingProgress progress)
            throws IOException, TranslateException {
        try (Model student = model(studentHidden, training.seed)) {
            Classifiers.train(student, loss, train, null, training.epochs, 1e-3f, progress);
            return test.student(student, shape(studentHidden));
        }
    }

    private static Model model(int[] hidden, long seed) {
        // The same seed before each model: both students start from the same weights.
        Engine.getInstance().setRandomSeed((int) seed);
        Model model = Model.newInstance("tempered-distill-mlp");
        model.setBlock(Classifiers.mlp(hidden[0], hidden[1], FashionMnistData.NUM_CLASSES));
        return model;
    }

    private static String table(Map<String, Object> results, long n) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Test set, %d images:%n  %-20s %9s %8s %8s %10s %10s%n",
                        n,
                        "",
                        "accuracy",
                        "NLL",
                        "ECE",
                        "agreement",
                        "soft loss"));
        for (String key : MODELS) {
            Map<String, Object> m = metrics(results, key);
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "  %-20s %8.2f%% %8.4f %7.2f%%",
                            key.replace('_', ' '),
                            100 * (double) m.get("accuracy"),
                            (double) m.get("nll"),
                            100 * (double) m.get("ece")));
            if (m.containsKey(Comparison.AGREEMENT)) {
                sb.append(
                        String.format(
                                Locale.ROOT,
                                " %9.2f%% %10.4f",
                                100 * (double) m.get(Comparison.AGREEMENT),
                                (double) m.get(Comparison.SOFT_LOSS)));
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }

    /** What distillation did here, in plain words, from the numbers. */
    private static String verdict(Map<String, Object> results) {
        Map<String, Object> hardStudent = metrics(results, MODELS[1]);
        Map<String, Object> distilled = metrics(results, MODELS[2]);
        double gain =
                100 * ((double) distilled.get("accuracy") - (double) hardStudent.get("accuracy"));
        return String.format(
                Locale.ROOT,
                "Distillation %s the student's test accuracy (%+.2f points). Soft-target loss"
                        + " %.4f -> %.4f (how closely it matches the teacher's softened"
                        + " probabilities); agreement with the teacher's predicted class %.2f%%"
                        + " -> %.2f%% (hard-label student -> distilled student).",
                gain > 0 ? "raised" : gain < 0 ? "lowered" : "did not change",
                gain,
                (double) hardStudent.get(Comparison.SOFT_LOSS),
                (double) distilled.get(Comparison.SOFT_LOSS),
                100 * (double) hardStudent.get(Comparison.AGREEMENT),
                100 * (double) distilled.get(Comparison.AGREEMENT));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metrics(Map<String, Object> results, String key) {
        return (Map<String, Object>) results.get(key);
    }

    private static String shape(int[] hidden) {
        return "784-" + hidden[0] + "-" + hidden[1] + "-" + FashionMnistData.NUM_CLASSES;
    }

    /**
     * The test split and the teacher's logits on it, once the teacher is trained: scores each model
     * and, for a student, how closely it follows the teacher.
     */
    private static final class Comparison {

        static final String AGREEMENT = "agreement_with_teacher";
        static final String SOFT_LOSS = "soft_target_loss";

        private final NDArray images;
        private final NDArray labels;
        private final DistillationLoss softTerm;
        private NDArray teacherLogits;
        private NDArray teacherClasses;

        Comparison(NDArray images, NDArray labels, float temperature) {
            this.images = images;
            this.labels = labels;
            // alpha = 1: the soft term alone, T^2 * KL(teacher || student), batchmean.
            this.softTerm =
                    DistillationLoss.builder().optTemperature(temperature).optAlpha(1f).build();
        }

        Map<String, Object> teacher(Model teacher, String shape) {
            teacherLogits = Classifiers.logits(teacher, images);
            teacherClasses = teacherLogits.argMax(-1);
            return score(teacherLogits, shape);
        }

        Map<String, Object> student(Model student, String shape) {
            try (NDManager scope = images.getManager().newSubManager()) {
                NDArray logits = Classifiers.logits(student, images);
                logits.attach(scope);
                Map<String, Object> m = score(logits, shape);
                long agree =
                        logits.argMax(-1)
                                .eq(teacherClasses)
                                .toType(DataType.INT64, false)
                                .sum()
                                .getLong();
                m.put(AGREEMENT, (double) agree / labels.size());
                m.put(
                        SOFT_LOSS,
                        (double)
                                softTerm.evaluate(new NDList(teacherLogits), new NDList(logits))
                                        .getFloat());
                return m;
            }
        }

        private Map<String, Object> score(NDArray logits, String shape) {
            CalibrationReport report = CalibrationReport.ofLogits(logits, labels, 15);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hidden", shape);
            m.put("accuracy", report.accuracy());
            m.put("nll", report.nll());
            m.put("ece", report.ece());
            return m;
        }
    }
}
