package io.github.tempered.examples;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import io.github.tempered.spark.SparkSessions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.testng.annotations.Listeners;
import org.testng.annotations.Test;

/**
 * Smoke test of the runnable programs in {@code examples/}: each main runs to the end, with small
 * sizes, and prints what it is meant to show.
 */
@Listeners(SparkSessions.class)
public class ExamplesTest {

    private static final Path SOURCES =
            Path.of("examples", "src", "main", "java", "io", "github", "tempered", "examples");

    /** A program's main, which may throw. */
    private interface Main {
        void run() throws Exception;
    }

    /** Runs {@code main} with {@link System#out} captured and returns what it printed. */
    private static String run(Main main) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            main.run();
        } finally {
            System.setOut(saved);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void quickStartPrintsTheLossAndTheReport() throws Exception {
        String out = run(() -> QuickStart.main(new String[0]));
        Matcher loss =
                Pattern.compile("cross-entropy \\(T = 2, smoothing 0\\.1\\): (\\S+)").matcher(out);
        assertTrue(loss.find(), "output: " + out);
        // PyTorch 1.13: F.cross_entropy(z / 2, [0, 1, 1], label_smoothing=0.1) for the example's z.
        double expected = 0.8072612881660461;
        double actual = Double.parseDouble(loss.group(1));
        assertEquals(actual, expected, 1e-5 * expected, "quick start loss; output: " + out);
        assertTrue(out.contains("CalibrationReport (N = 3, C = 3, 10 bins)"), "output: " + out);
        assertTrue(out.contains("accuracy 0.6667"), "2 of 3 arg-maxes are right; output: " + out);
    }

    @Test
    public void customTrainingLoopLearns() throws Exception {
        String out = run(() -> CustomTrainingLoop.main(new String[] {"2", "1000"}));
        assertTrue(out.contains("train 1000, validation 2000, test 2000"), "output: " + out);
        Matcher epoch =
                Pattern.compile(
                                "epoch (\\d): training loss ([0-9.]+), validation accuracy"
                                        + " ([0-9.]+)")
                        .matcher(out);
        double[] losses = new double[2];
        double accuracy = 0;
        int epochs = 0;
        while (epoch.find()) {
            losses[epochs++] = Double.parseDouble(epoch.group(2));
            accuracy = Double.parseDouble(epoch.group(3));
        }
        assertEquals(epochs, 2, "epoch lines; output: " + out);
        assertTrue(losses[1] < losses[0], "the training loss should fall; output: " + out);
        // Ten classes: chance is 0.1. Two epochs on 1,000 images reach about 0.7.
        assertTrue(accuracy > 0.5, "validation accuracy " + accuracy + "; output: " + out);
    }

    @Test
    public void trainThenCalibrateFitsTAndDrawsTheDiagrams() throws Exception {
        Path folder = Files.createTempDirectory("train-then-calibrate");
        String out =
                run(() -> TrainThenCalibrate.main(new String[] {"2", "1000", folder.toString()}));
        Matcher fit = Pattern.compile("validation NLL ([0-9.]+) -> ([0-9.]+)").matcher(out);
        assertTrue(fit.find(), "output: " + out);
        // T = 1 is a candidate, so the fitted T never raises the NLL it minimises.
        assertTrue(
                Double.parseDouble(fit.group(2)) <= Double.parseDouble(fit.group(1)),
                "output: " + out);
        assertTrue(out.contains("test accuracy"), "output: " + out);
        Path png = folder.resolve("train-then-calibrate.png");
        assertTrue(Files.size(png) > 0, png + " is empty");
    }

    @Test
    public void distillationTrainsTeacherStudentAndBaseline() throws Exception {
        String out = run(() -> Distillation.main(new String[] {"2", "1000"}));
        Matcher accuracy = Pattern.compile("test accuracy ([0-9.]+)").matcher(out);
        int models = 0;
        while (accuracy.find()) {
            models++;
            // Ten classes: chance is 0.1.
            assertTrue(Double.parseDouble(accuracy.group(1)) > 0.4, "output: " + out);
        }
        assertEquals(models, 3, "three models; output: " + out);
    }

    @Test
    public void sparkCalibrationFitsTAndLowersTheHeldOutEce() throws Exception {
        SparkSessions.get(); // the example reuses the tests' session and leaves it running
        String out = run(() -> SparkCalibration.main(new String[0]));
        Matcher fit = Pattern.compile("fitted T = ([0-9.]+) in (\\d+) passes").matcher(out);
        assertTrue(fit.find(), "output: " + out);
        // Logits 2.5 times too large: the fitted T is near 2.5.
        double t = Double.parseDouble(fit.group(1));
        assertTrue(t > 2.2 && t < 2.8, "T = " + t + "; output: " + out);
        Matcher ece = Pattern.compile("ECE ([0-9.]+) -> ([0-9.]+)").matcher(out);
        assertTrue(ece.find(), "output: " + out);
        assertTrue(
                Double.parseDouble(ece.group(2)) < Double.parseDouble(ece.group(1)) / 2,
                "the held-out ECE should fall; output: " + out);
        assertTrue(out.contains("saved the pipeline to"), "output: " + out);
    }

    @Test
    public void readmeLinksEveryExample() throws IOException {
        String readme = Files.readString(Path.of("examples", "README.md"), StandardCharsets.UTF_8);
        List<String> sources;
        try (Stream<Path> files = Files.list(SOURCES)) {
            sources =
                    files.map(f -> f.getFileName().toString())
                            .filter(n -> n.endsWith(".java") && !n.equals("package-info.java"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        assertEquals(
                sources,
                List.of(
                        "CustomTrainingLoop.java",
                        "Distillation.java",
                        "QuickStart.java",
                        "SparkCalibration.java",
                        "TrainThenCalibrate.java"));
        for (String source : sources) {
            String link = "(src/main/java/io/github/tempered/examples/" + source + ")";
            assertTrue(
                    readme.contains(link),
                    String.format(Locale.ROOT, "examples/README.md lacks the link %s", link));
        }
    }
}
