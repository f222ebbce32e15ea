package io.github.tempered.cli;

import static io.github.tempered.testing.NumericAssert.assertClose;
import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertNotNull;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tempered.calibration.Calibration;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.Calibrator;
import io.github.tempered.calibration.HistogramBinning;
import io.github.tempered.calibration.IsotonicCalibrator;
import io.github.tempered.calibration.MatrixScaler;
import io.github.tempered.calibration.PlattFit;
import io.github.tempered.calibration.PlattScaler;
import io.github.tempered.calibration.VectorScaler;
import io.github.tempered.testing.NumpyFiles;
import io.github.tempered.testing.TempFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@code tempered calibrate --method} and {@code --compare} on small multiclass and binary files
 * (.npz, .npy, .csv): every method's fit and held-out report equal the library's on the same rows,
 * the methods that do not apply are usage errors, and the comparison's table and JSON hold every
 * method.
 */
public class CalibrationMethodTest {

    private static final int N = 200;
    private static final int C = 4;
    private static final int FIT = N / 2;
    private static final int BINS = 10;

    private Path dir;
    private double[] logits;
    private long[] labels;
    private double[] scores;
    private long[] binaryLabels;
    private final Map<String, String[]> files = new LinkedHashMap<>();

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tempered-methods");
        Random random = new Random(13);
        logits = new double[N * C];
        labels = new long[N];
        scores = new double[N];
        binaryLabels = new long[N];
        StringBuilder csv = new StringBuilder();
        StringBuilder labelCsv = new StringBuilder();
        StringBuilder scoreCsv = new StringBuilder("score\n");
        StringBuilder binaryLabelCsv = new StringBuilder();
        for (int i = 0; i < N; i++) {
            labels[i] = random.nextInt(C);
            for (int j = 0; j < C; j++) {
                // float32 values, written exactly in every format.
                logits[i * C + j] =
                        (float) (2.5 * random.nextGaussian() + (j == labels[i] ? 2 : 0));
                csv.append(j == 0 ? "" : ",").append(logits[i * C + j]);
            }
            csv.append('\n');
            labelCsv.append(labels[i]).append('\n');
            binaryLabels[i] = random.nextInt(2);
            scores[i] = (float) (2 * random.nextGaussian() + 1.5 * (2 * binaryLabels[i] - 1));
            scoreCsv.append(scores[i]).append('\n');
            binaryLabelCsv.append(binaryLabels[i]).append('\n');
        }
        double[] classes = new double[N];
        double[] binaryClasses = new double[N];
        double[] probabilities = new double[N];
        for (int i = 0; i < N; i++) {
            classes[i] = labels[i];
            binaryClasses[i] = binaryLabels[i];
            probabilities[i] = 1 / (1 + Math.exp(-scores[i]));
        }
        Map<String, byte[]> multiclass = new LinkedHashMap<>();
        multiclass.put("logits", NumpyFiles.encode(logits, N, C, "<f4", false));
        multiclass.put("labels", NumpyFiles.encode(classes, N, 0, "<i8", false));
        NumpyFiles.npz(dir.resolve("multiclass.npz"), multiclass);
        files.put("multiclass npz", new String[] {dir.resolve("multiclass.npz").toString()});
        files.put(
                "multiclass npy",
                new String[] {
                    write("multiclass.npy", NumpyFiles.encode(logits, N, C, "<f4", true)),
                    "--labels",
                    write("labels.npy", NumpyFiles.encode(classes, N, 0, "|u1", false))
                });
        files.put(
                "multiclass csv",
                new String[] {
                    write("multiclass.csv", csv.toString()),
                    "--labels",
                    write("labels.csv", labelCsv.toString())
                });
        Map<String, byte[]> binary = new LinkedHashMap<>();
        binary.put("scores", NumpyFiles.encode(scores, N, 0, "<f4", false));
        binary.put("labels", NumpyFiles.encode(binaryClasses, N, 0, "<i8", false));
        NumpyFiles.npz(dir.resolve("binary.npz"), binary);
        files.put("binary npz", new String[] {dir.resolve("binary.npz").toString()});
        String binaryLabelsNpy =
                write("binary-labels.npy", NumpyFiles.encode(binaryClasses, N, 0, "<i4", false));
        files.put(
                "binary npy (N, 1)",
                new String[] {
                    write("binary.npy", NumpyFiles.encode(scores, N, 1, "<f4", false)),
                    "--labels",
                    binaryLabelsNpy
                });
        files.put(
                "binary csv",
                new String[] {
                    write("binary.csv", scoreCsv.toString()),
                    "--labels",
                    write("binary-labels.csv", binaryLabelCsv.toString())
                });
        files.put(
                "binary probabilities npy",
                new String[] {
                    write(
                            "binary-probabilities.npy",
                            NumpyFiles.encode(probabilities, N, 0, "<f8", false)),
                    "--labels",
                    binaryLabelsNpy,
                    "--probabilities"
                });
    }

    @AfterClass
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(dir);
    }

    // ------------------------------------------------------------ one method

    @DataProvider(name = "multiclassMethods")
    public Object[][] multiclassMethods() {
        return new Object[][] {
            {"vector", "multiclass npz"},
            {"matrix", "multiclass npy"},
            {"dirichlet", "multiclass csv"},
            {"histogram", "multiclass npz"},
            {"isotonic", "multiclass csv"},
        };
    }

    @Test(dataProvider = "multiclassMethods")
    public void multiclassMethodEqualsTheLibraryFitOnTheSameRows(String method, String file)
            throws IOException {
        String name = method + " on " + file;
        JsonObject report = runJson(name, file, "--method", method, "--fit-fraction", "0.5");
        assertEquals(report.get("method").getAsString(), method, name + ": method");
        assertFalse(report.has("temperature"), name + ": no temperature key");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(logits, new Shape(N, C));
            NDArray y = manager.create(labels);
            Calibrator calibrator;
            if (method.equals("matrix") || method.equals("dirichlet")) {
                double l2 =
                        checkOdirChoice(
                                name,
                                report.getAsJsonObject("fit"),
                                method,
                                x.get("0:{}", FIT),
                                y.get("0:{}", FIT));
                calibrator = matrix(method, l2);
            } else {
                calibrator =
                        method.equals("vector")
                                ? new VectorScaler()
                                : method.equals("histogram")
                                        ? new HistogramBinning()
                                        : new IsotonicCalibrator();
            }
            assertEqualsLibraryFit(name, report, calibrator, x, y, false);
        }
    }

    @DataProvider(name = "binaryMethods")
    public Object[][] binaryMethods() {
        return new Object[][] {
            {null, "binary npz"},
            {"platt", "binary probabilities npy"},
            {"isotonic", "binary npy (N, 1)"},
            {"histogram", "binary csv"},
        };
    }

    @Test(dataProvider = "binaryMethods")
    public void binaryMethodEqualsTheLibraryFitOnTheSameRows(String method, String file)
            throws IOException {
        String name = (method == null ? "the default" : method) + " on " + file;
        List<String> extra = new ArrayList<>(List.of("--fit-fraction", "0.5"));
        if (method != null) {
            extra.add("--method");
            extra.add(method);
        }
        JsonObject report = runJson(name, file, extra.toArray(new String[0]));
        String expectedMethod = method == null ? "platt" : method;
        assertEquals(report.get("method").getAsString(), expectedMethod, name + ": method");
        JsonObject fit = report.getAsJsonObject("fit");
        try (NDManager manager = NDManager.newBaseManager()) {
            // --probabilities: the log-odds of P(y = 1), clamped as ModelOutputs documents.
            double[] s = scores;
            if (file.contains("probabilities")) {
                s = new double[N];
                for (int i = 0; i < N; i++) {
                    double p = 1 / (1 + Math.exp(-scores[i]));
                    s[i] = Math.log(Math.max(p, 1e-38)) - Math.log(Math.max(1 - p, 1e-38));
                }
            }
            NDArray x = manager.create(s);
            NDArray y = manager.create(binaryLabels);
            Calibrator calibrator =
                    expectedMethod.equals("platt")
                            ? new PlattScaler()
                            : expectedMethod.equals("histogram")
                                    ? new HistogramBinning()
                                    : new IsotonicCalibrator();
            Calibration expected = assertEqualsLibraryFit(name, report, calibrator, x, y, true);
            if (expected instanceof PlattFit platt) {
                assertClose(
                        name,
                        "slope, intercept",
                        new double[] {
                            fit.get("slope").getAsDouble(), fit.get("intercept").getAsDouble()
                        },
                        new double[] {platt.slope(), platt.intercept()},
                        1e-12,
                        0);
            }
        }
    }

    @Test
    public void temperatureStaysTheDefaultAndItsReportKeepsItsKeys() throws IOException {
        JsonObject report = runJson("default", "multiclass csv", "--fit-fraction", "0.5");
        assertEquals(report.get("method").getAsString(), "temperature", "method");
        assertTrue(report.get("temperature").getAsDouble() > 0, "temperature");
        JsonObject fit = report.getAsJsonObject("fit");
        for (String key : new String[] {"n", "nll_before", "nll_after", "iterations"}) {
            assertNotNull(fit.get(key), "fit." + key);
        }
        JsonObject explicit =
                runJson(
                        "--method temperature",
                        "multiclass csv",
                        "--method",
                        "temperature",
                        "--fit-fraction",
                        "0.5");
        assertEquals(explicit, report, "--method temperature is the default");
    }

    @Test
    public void fitRowsInMemoryAndStreamedScoringDoNotDependOnTheChunkSize() throws IOException {
        for (String[] run :
                new String[][] {{"multiclass npz", "vector"}, {"binary csv", "isotonic"}}) {
            String name = run[1] + " on " + run[0];
            JsonObject whole = runJson(name, run[0], "--method", run[1], "--fit-fraction", "0.5");
            JsonObject chunked =
                    runJson(
                            name + " in chunks of 7",
                            run[0],
                            "--method",
                            run[1],
                            "--fit-fraction",
                            "0.5",
                            "--chunk-rows",
                            "7");
            assertEquals(chunked, whole, name + ": chunks of 7 rows give the same report");
        }
    }

    @Test
    public void binaryMethodDrawsItsDiagrams() throws IOException {
        Path plot = dir.resolve("binary.png");
        CliRun run = run("binary npz", "--fit-fraction", "0.5", "--plot", plot.toString());
        assertEquals(run.exitCode(), 0, run.toString());
        BufferedImage image = ImageIO.read(plot.toFile());
        assertNotNull(image, "the plot is a PNG");
        assertTrue(run.out().contains("Fitted platt on the first 100 rows"), run.toString());
    }

    // ------------------------------------------------------------ usage errors

    @DataProvider(name = "usageErrors")
    public Object[][] usageErrors() {
        return new Object[][] {
            {
                "platt on multiclass outputs",
                "multiclass npz",
                new String[] {"--method", "platt"},
                "--method platt does not apply to multiclass outputs (4 classes); use one of"
                        + " temperature, vector, matrix, dirichlet, histogram, isotonic"
            },
            {
                "vector scaling of binary scores",
                "binary csv",
                new String[] {"--method", "vector"},
                "--method vector does not apply to binary outputs (one score per row); use one of"
                        + " platt, histogram, isotonic"
            },
            {
                "temperature of binary scores",
                "binary npz",
                new String[] {"--method", "temperature", "--fit-fraction", "0.5"},
                "use one of platt, histogram, isotonic"
            },
            {
                "an unknown method",
                "multiclass npz",
                new String[] {"--method", "beta"},
                "'beta' is not a method; expected one of temperature, vector, matrix, dirichlet,"
                        + " histogram, isotonic, platt"
            },
            {
                "--compare without held-out rows",
                "multiclass npz",
                new String[] {"--compare"},
                "give --fit-fraction below 1"
            },
            {
                "--compare with --method",
                "multiclass npz",
                new String[] {"--compare", "--fit-fraction", "0.5", "--method", "vector"},
                "--compare fits every method; drop --method"
            },
            {
                "--compare with --plot",
                "binary npz",
                new String[] {"--compare", "--fit-fraction", "0.5", "--plot", "x.png"},
                "--compare draws no diagram"
            },
        };
    }

    @Test(dataProvider = "usageErrors")
    public void methodsThatDoNotApplyAreUsageErrors(
            String name, String file, String[] args, String fragment) {
        CliRun run = run(file, args);
        assertEquals(run.exitCode(), 2, name + ": " + run);
        assertTrue(
                run.err().contains(fragment), name + ": stderr lacks '" + fragment + "': " + run);
        assertFalse(run.err().contains("\tat "), name + ": no stack trace: " + run);
    }

    // ------------------------------------------------------------ --compare

    @Test
    public void compareOfMulticlassOutputsPrintsEveryMethodAndMatchesTheSingleRuns()
            throws IOException {
        Path json = dir.resolve("compare-multiclass.json");
        CliRun run =
                run(
                        "multiclass npz",
                        "--compare",
                        "--fit-fraction",
                        "0.5",
                        "--json",
                        json.toString());
        assertEquals(run.exitCode(), 0, run.toString());
        for (String line :
                new String[] {
                    "Scored on the last 100 rows (held out), 10 bins:",
                    "method ",
                    "uncalibrated ",
                    "temperature ",
                    "vector ",
                    "matrix (ODIR, lambda = ",
                    "matrix (no ODIR) ",
                    "dirichlet (ODIR, lambda = ",
                    "dirichlet (no ODIR) ",
                    "histogram (10 bins) ",
                    "isotonic "
                }) {
            assertTrue(run.out().contains(line), "stdout lacks '" + line + "': " + run);
        }
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(report.get("bins").getAsInt(), BINS, "bins");
        assertEquals(report.getAsJsonObject("fit").get("n").getAsLong(), FIT, "fit rows");
        JsonObject compare = report.getAsJsonObject("compare");
        assertEquals(
                new ArrayList<>(compare.keySet()),
                List.of(
                        "uncalibrated",
                        "temperature",
                        "vector",
                        "matrix",
                        "matrix_no_odir",
                        "dirichlet",
                        "dirichlet_no_odir",
                        "histogram",
                        "isotonic"),
                "the compare object's methods");
        for (Map.Entry<String, JsonElement> e : compare.entrySet()) {
            JsonObject entry = e.getValue().getAsJsonObject();
            for (String key : new String[] {"n", "ece", "mce", "nll", "brier", "accuracy"}) {
                assertNotNull(entry.get(key), e.getKey() + "." + key);
            }
            assertEquals(entry.get("n").getAsLong(), N - FIT, e.getKey() + ": held-out rows");
            assertEquals(
                    entry.has("fit"), !e.getKey().equals("uncalibrated"), e.getKey() + ": fit");
        }
        // Each row is the held-out report the single-method command gives.
        JsonObject temperature = runJson("temperature", "multiclass npz", "--fit-fraction", "0.5");
        assertEquals(
                compare.get("uncalibrated"),
                temperature.getAsJsonObject("heldout").get("before"),
                "uncalibrated row");
        assertEquals(
                withoutFit(compare, "temperature"),
                temperature.getAsJsonObject("heldout").get("after"),
                "temperature row");
        assertEquals(
                compare.getAsJsonObject("temperature").getAsJsonObject("fit").get("temperature"),
                temperature.get("temperature"),
                "temperature");
        for (String method : new String[] {"vector", "dirichlet", "isotonic"}) {
            JsonObject single =
                    runJson(method, "multiclass npz", "--method", method, "--fit-fraction", "0.5");
            assertEquals(
                    withoutFit(compare, method),
                    single.getAsJsonObject("heldout").get("after"),
                    method + " row");
            JsonObject fit = single.getAsJsonObject("fit");
            fit.remove("n");
            assertEquals(compare.getAsJsonObject(method).get("fit"), fit, method + " fit");
        }
        // The unregularised rows are MatrixScaler's default fit.
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(logits, new Shape(N, C));
            NDArray y = manager.create(labels);
            for (String method : new String[] {"matrix", "dirichlet"}) {
                Calibration fit = matrix(method, 0).fit(x.get("0:{}", FIT), y.get("0:{}", FIT));
                JsonObject row = compare.getAsJsonObject(method + "_no_odir");
                assertClose(
                        method + " (no ODIR)",
                        "fit NLL after",
                        new double[] {row.getAsJsonObject("fit").get("nll_after").getAsDouble()},
                        new double[] {fit.nllAfter()},
                        1e-12,
                        0);
                assertMetrics(
                        method + " (no ODIR)",
                        row,
                        CalibrationReport.of(
                                fit.apply(x.get("{}:", FIT)), y.get("{}:", FIT), BINS));
            }
        }
    }

    @Test
    public void compareOfBinaryScoresHasTheBinaryMethods() throws IOException {
        Path json = dir.resolve("compare-binary.json");
        CliRun run =
                run("binary csv", "--compare", "--fit-fraction", "0.5", "--json", json.toString());
        assertEquals(run.exitCode(), 0, run.toString());
        JsonObject compare =
                JsonParser.parseString(Files.readString(json))
                        .getAsJsonObject()
                        .getAsJsonObject("compare");
        assertEquals(
                new ArrayList<>(compare.keySet()),
                List.of("uncalibrated", "platt", "histogram", "isotonic"),
                "the binary methods");
        JsonObject platt = runJson("platt", "binary csv", "--fit-fraction", "0.5");
        assertEquals(
                withoutFit(compare, "platt"),
                platt.getAsJsonObject("heldout").get("after"),
                "platt row");
    }

    // ------------------------------------------------------------ helpers

    /**
     * Checks a single-method report against the library: the calibrator fitted on the first rows
     * gives the report's fit NLLs, and its held-out reports before and after.
     *
     * @return the library's fit
     */
    private static Calibration assertEqualsLibraryFit(
            String name,
            JsonObject report,
            Calibrator calibrator,
            NDArray x,
            NDArray y,
            boolean binary) {
        Calibration expected = calibrator.fit(x.get("0:{}", FIT), y.get("0:{}", FIT));
        JsonObject fit = report.getAsJsonObject("fit");
        assertEquals(fit.get("n").getAsLong(), FIT, name + ": fit rows");
        assertClose(
                name,
                "fit NLL before, after",
                new double[] {
                    fit.get("nll_before").getAsDouble(), fit.get("nll_after").getAsDouble()
                },
                new double[] {expected.nllBefore(), expected.nllAfter()},
                1e-12,
                0);
        NDArray testX = x.get("{}:", FIT);
        NDArray testY = y.get("{}:", FIT);
        NDArray calibrated = expected.apply(testX);
        JsonObject heldout = report.getAsJsonObject("heldout");
        assertMetrics(
                name + ", before",
                heldout.getAsJsonObject("before"),
                binary
                        ? CalibrationReport.ofBinaryLogits(testX, testY, BINS)
                        : CalibrationReport.ofLogits(testX, testY, BINS));
        assertMetrics(
                name + ", after",
                heldout.getAsJsonObject("after"),
                binary
                        ? CalibrationReport.ofBinary(calibrated, testY, BINS)
                        : CalibrationReport.of(calibrated, testY, BINS));
        return expected;
    }

    /** Checks the ODIR choice against the library and returns the chosen weight. */
    private static double checkOdirChoice(
            String name, JsonObject fit, String method, NDArray fitX, NDArray fitY) {
        double l2 = fit.get("odir_l2").getAsDouble();
        JsonObject validation = fit.getAsJsonObject("odir_validation_nll");
        // From 1e5 down, each weight a tenth of the one before, until the NLL is 1% above the
        // best so far.
        List<String> tried = new ArrayList<>(validation.keySet());
        String best = tried.get(0);
        for (int i = 0; i < tried.size(); i++) {
            assertEquals(
                    Double.parseDouble(tried.get(i)),
                    1e5 / Math.pow(10, i),
                    1e-9,
                    name + ": weight " + i + " tried");
            double nll = validation.get(tried.get(i)).getAsDouble();
            double bestNll = validation.get(best).getAsDouble();
            if (nll < bestNll) {
                best = tried.get(i);
            }
            assertTrue(
                    nll <= 1.01 * bestNll || i == tried.size() - 1,
                    name + ": the search stops 1% above the best: " + validation);
        }
        assertTrue(
                tried.size() == 8
                        || validation.get(tried.get(tried.size() - 1)).getAsDouble()
                                > 1.01 * validation.get(best).getAsDouble(),
                name + ": the search ends at the grid's end or 1% above the best: " + validation);
        assertEquals(Double.parseDouble(best), l2, 0, name + ": the weight of the lowest NLL");
        int cut = FIT * 4 / 5;
        NDArray p =
                matrix(method, l2)
                        .fit(fitX.get("0:{}", cut), fitY.get("0:{}", cut))
                        .apply(fitX.get("{}:", cut));
        assertClose(
                name,
                "validation NLL of the chosen weight",
                new double[] {validation.get(best).getAsDouble()},
                new double[] {CalibrationReport.of(p, fitY.get("{}:", cut), 1).nll()},
                1e-12,
                0);
        return l2;
    }

    private static MatrixScaler matrix(String method, double l2) {
        return MatrixScaler.builder()
                .optInput(
                        method.equals("dirichlet")
                                ? MatrixScaler.Input.LOG_PROBABILITIES
                                : MatrixScaler.Input.LOGITS)
                .optOffDiagonalL2(l2)
                .optInterceptL2(l2)
                .build();
    }

    private static JsonObject withoutFit(JsonObject compare, String method) {
        JsonObject row = compare.getAsJsonObject(method).deepCopy();
        row.remove("fit");
        row.remove("label");
        return row;
    }

    private static void assertMetrics(String name, JsonObject actual, CalibrationReport expected) {
        assertClose(
                name,
                "ece, mce, nll, brier, accuracy",
                new double[] {
                    actual.get("ece").getAsDouble(),
                    actual.get("mce").getAsDouble(),
                    actual.get("nll").getAsDouble(),
                    actual.get("brier").getAsDouble(),
                    actual.get("accuracy").getAsDouble()
                },
                new double[] {
                    expected.ece(),
                    expected.mce(),
                    expected.nll(),
                    expected.brier(),
                    expected.accuracy()
                },
                1e-12,
                1e-15);
        assertEquals(actual.get("n").getAsLong(), expected.count(), name + ": n");
    }

    private CliRun run(String file, String... args) {
        List<String> all = new ArrayList<>(List.of("calibrate"));
        all.addAll(List.of(files.get(file)));
        all.addAll(List.of("--bins", String.valueOf(BINS)));
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(new String[0]));
    }

    private JsonObject runJson(String name, String file, String... args) throws IOException {
        Path json = Files.createTempFile(dir, "report", ".json");
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        all.add(json.toString());
        CliRun run = run(file, all.toArray(new String[0]));
        assertEquals(run.exitCode(), 0, name + ": " + run);
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        report.remove("file");
        return report;
    }

    private String write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content).toString();
    }

    private String write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8).toString();
    }
}
