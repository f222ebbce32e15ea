package io.github.tempered.cli;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.testing.Fixtures;
import io.github.tempered.testing.NumpyFiles;
import io.github.tempered.testing.TempFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@code tempered calibrate} on real and small inputs, and its error handling. */
public class CalibrateCommandTest {

    private Path dir;
    private Path logitsCsv;
    private Path labelsCsv;
    private float[] logits;
    private long[] labels;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tempered-calibrate");
        Random random = new Random(11);
        int n = 300;
        int c = 4;
        logits = new float[n * c];
        labels = new long[n];
        StringBuilder csv = new StringBuilder("a,b,c,d\n");
        StringBuilder labelCsv = new StringBuilder("label\n");
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(c);
            for (int j = 0; j < c; j++) {
                float z = (float) (3 * random.nextGaussian() + (j == labels[i] ? 2.5 : 0));
                logits[i * c + j] = z;
                csv.append(j == 0 ? "" : ",").append(z);
            }
            csv.append('\n');
            labelCsv.append(labels[i]).append('\n');
        }
        logitsCsv = write("logits.csv", csv.toString());
        labelsCsv = write("labels.csv", labelCsv.toString());
    }

    @AfterClass
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(dir);
    }

    @Test
    public void densenetProbabilitiesMatchTheIndependentReference() throws Exception {
        JsonObject expected =
                Fixtures.cases("temperature.json").stream()
                        .filter(
                                c ->
                                        c.get("name")
                                                .getAsString()
                                                .equals("densenet-bc-100-cifar-100"))
                        .findFirst()
                        .orElseThrow();
        Path json = dir.resolve("densenet.json");
        Path plot = dir.resolve("plots/densenet.png");
        CliRun run =
                CliRun.of(
                        "calibrate",
                        resource("/model-outputs/densenet-bc-100-cifar-100.npz").toString(),
                        "--probabilities",
                        "--fit-fraction",
                        "0.5",
                        "--json",
                        json.toString(),
                        "--plot",
                        plot.toString());
        assertEquals(run.exitCode(), 0, run.toString());
        assertTrue(run.out().contains("T = 2.12"), run.toString());
        JsonObject report = readJson(json);
        assertClose(
                "densenet",
                "temperature",
                new double[] {report.get("temperature").getAsDouble()},
                new double[] {expected.get("expected_t").getAsDouble()},
                1e-6,
                0);
        assertEquals(report.getAsJsonObject("fit").get("n").getAsLong(), 5000);
        JsonObject heldout = report.getAsJsonObject("heldout");
        assertEquals(heldout.get("n").getAsLong(), 5000);
        assertClose(
                "densenet",
                "held-out ECE before",
                new double[] {heldout.getAsJsonObject("before").get("ece").getAsDouble()},
                new double[] {expected.get("heldout_ece_before").getAsDouble()},
                1e-6,
                0);
        assertClose(
                "densenet",
                "held-out ECE after",
                new double[] {heldout.getAsJsonObject("after").get("ece").getAsDouble()},
                new double[] {expected.get("heldout_ece_after").getAsDouble()},
                1e-4,
                0);
        assertClose(
                "densenet",
                "fit NLL",
                new double[] {
                    report.getAsJsonObject("fit").get("nll_before").getAsDouble(),
                    report.getAsJsonObject("fit").get("nll_after").getAsDouble()
                },
                new double[] {
                    expected.get("nll_before").getAsDouble(),
                    expected.get("nll_after").getAsDouble()
                },
                1e-6,
                0);
        for (String key : new String[] {"ece", "mce", "nll", "brier", "accuracy"}) {
            assertNotNull(heldout.getAsJsonObject("after").get(key), key);
        }
        BufferedImage image = ImageIO.read(plot.toFile());
        assertNotNull(image, "the plot is a PNG");
        assertTrue(image.getWidth() > 500 && image.getHeight() > 300, "plot size");
    }

    @Test
    public void csvLogitsWithSeparateLabelsFitTheSameTemperatureAsTheLibrary() throws Exception {
        Path json = dir.resolve("csv.json");
        CliRun run =
                CliRun.of(
                        "calibrate",
                        logitsCsv.toString(),
                        "--labels",
                        labelsCsv.toString(),
                        "--bins",
                        "10",
                        "--json",
                        json.toString());
        assertEquals(run.exitCode(), 0, run.toString());
        JsonObject report = readJson(json);
        assertFalse(report.has("heldout"), "no held-out part at --fit-fraction 1");
        assertTrue(report.getAsJsonObject("fit").has("after"), "in-sample metrics");
        double expected;
        try (NDManager manager = NDManager.newBaseManager()) {
            expected =
                    new TemperatureScaler()
                            .fit(
                                    manager.create(logits, new ai.djl.ndarray.types.Shape(300, 4))
                                            .toType(ai.djl.ndarray.types.DataType.FLOAT64, false),
                                    manager.create(labels))
                            .temperature();
        }
        assertClose(
                "csv",
                "temperature",
                new double[] {report.get("temperature").getAsDouble()},
                new double[] {expected},
                1e-9,
                0);
    }

    @Test
    public void npzWithNamedArraysAndNpyLabels() throws Exception {
        Path npz = dir.resolve("named.npz");
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("scores", NumpyFiles.float32(logits, 300, 4));
        arrays.put("truth", NumpyFiles.int64(labels));
        arrays.put("extra", NumpyFiles.int64(new long[] {1, 2, 3}));
        NumpyFiles.npz(npz, arrays);
        CliRun named =
                CliRun.of(
                        "calibrate",
                        npz.toString(),
                        "--logits-key",
                        "scores",
                        "--labels-key",
                        "truth",
                        "--fit-fraction",
                        "0.6");
        assertEquals(named.exitCode(), 0, named.toString());
        assertTrue(named.out().contains("held out"), named.toString());

        Path npy = Files.write(dir.resolve("logits.npy"), NumpyFiles.float32(logits, 300, 4));
        Path labelsNpy = Files.write(dir.resolve("labels.npy"), NumpyFiles.int64(labels));
        CliRun separate = CliRun.of("calibrate", npy.toString(), "--labels", labelsNpy.toString());
        assertEquals(separate.exitCode(), 0, separate.toString());
        String tLine = "T = ";
        assertEquals(
                temperatureText(separate.out(), tLine),
                temperatureText(
                        CliRun.of(
                                        "calibrate",
                                        logitsCsv.toString(),
                                        "--labels",
                                        labelsCsv.toString())
                                .out(),
                        tLine),
                "the same data in .npy and .csv give the same T");
    }

    @DataProvider(name = "badInputs")
    public Object[][] badInputs() throws IOException {
        Path shortLabels = write("short.csv", "0\n1\n2\n");
        Path outOfRange = write("range.csv", "0\n7\n".repeat(150));
        Path text = write("text.csv", "1,2,3\n4,x,6\n");
        Path ragged = write("ragged.csv", "1,2,3\n4,5\n");
        Path notProbabilities = write("probs.csv", "0.5,0.6\n0.2,0.8\n");
        Path labels2 = write("labels2.csv", "0\n1\n");
        Path garbage =
                Files.write(
                        dir.resolve("garbage.npz"),
                        new byte[] {'P', 'K', 1, 2, 3, 4, 5, 6, 7, 8, 9});
        Path unknown = write("outputs.bin", "1,2\n");
        return new Object[][] {
            {"missing file", new String[] {dir.resolve("nope.npz").toString()}, "nope.npz"},
            {
                "labels count",
                new String[] {logitsCsv.toString(), "--labels", shortLabels.toString()},
                "300 rows but the labels"
            },
            {
                "labels out of range",
                new String[] {logitsCsv.toString(), "--labels", outOfRange.toString()},
                "not a class index in [0, 4)"
            },
            {
                "non-numeric",
                new String[] {text.toString(), "--labels", labels2.toString()},
                "'x' is not a number"
            },
            {
                "ragged csv",
                new String[] {ragged.toString(), "--labels", labels2.toString()},
                "2 columns, expected 3"
            },
            {
                "not probabilities",
                new String[] {
                    notProbabilities.toString(), "--labels", labels2.toString(), "--probabilities"
                },
                "sums to 1.1"
            },
            {"no labels", new String[] {logitsCsv.toString()}, "--labels"},
            {"unreadable npz", new String[] {garbage.toString()}, "not a readable NumPy file"},
            {"unknown format", new String[] {unknown.toString()}, "unknown format"},
            {
                "unknown key",
                new String[] {
                    resource("/model-outputs/lenet-5-cifar-10.npz").toString(),
                    "--logits-key",
                    "nope"
                },
                "no array named 'nope'"
            },
        };
    }

    @Test(dataProvider = "badInputs")
    public void badInputExitsWithOneAndOneLine(String name, String[] args, String fragment) {
        String[] full = new String[args.length + 1];
        full[0] = "calibrate";
        System.arraycopy(args, 0, full, 1, args.length);
        CliRun run = CliRun.of(full);
        assertEquals(run.exitCode(), 1, name + ": " + run);
        assertTrue(
                run.err().contains(fragment), name + ": stderr lacks '" + fragment + "': " + run);
        assertEquals(run.err().strip().lines().count(), 1L, name + ": one line: " + run);
        assertFalse(run.err().contains("\tat "), name + ": no stack trace: " + run);
    }

    @Test
    public void verboseShowsTheStackTrace() {
        CliRun run = CliRun.of("calibrate", dir.resolve("nope.npz").toString(), "--verbose");
        assertEquals(run.exitCode(), 1, run.toString());
        assertTrue(run.err().contains("\tat "), run.toString());
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static Path resource(String name) {
        try {
            return Paths.get(CalibrateCommandTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject readJson(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    private static String temperatureText(String out, String marker) {
        int i = out.indexOf(marker);
        assertTrue(i >= 0, "no '" + marker + "' in " + out);
        return out.substring(i, out.indexOf(' ', i + marker.length()));
    }
}
