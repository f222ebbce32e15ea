package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.testing.NumpyFiles;
import io.github.tempered.testing.TempFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@code tempered calibrate} streams its input: with chunks of 7 rows (so that chunk boundaries
 * fall inside the fit rows, at the fit/score boundary and inside the scored rows) the temperature,
 * the fit's NLLs and every metric of the before/after reports are exactly (bit for bit) those of
 * the in-memory path, {@code TemperatureScaler.fit(NDArray, NDArray)} and {@code
 * CalibrationReport.ofLogits} on the whole arrays, for every file layout. Also: the progress lines
 * stay off when standard output is not a terminal, and running out of memory is one line.
 */
public class CalibrateStreamingTest {

    private static final int N = 101;
    private static final int C = 5;
    private static final int BINS = 10;

    private Path dir;
    private double[] logits;
    private double[] probabilities;
    private long[] labels;

    @BeforeClass
    public void setUp() {
        dir = createDirectory();
        Random random = new Random(5);
        logits = new double[N * C];
        probabilities = new double[N * C];
        labels = new long[N];
        for (int i = 0; i < N; i++) {
            labels[i] = random.nextInt(C);
            double sum = 0;
            for (int j = 0; j < C; j++) {
                // float32 values, so that every format holds exactly the same numbers.
                logits[i * C + j] =
                        (float) (2.5 * random.nextGaussian() + (j == labels[i] ? 2 : 0));
                sum += Math.exp(logits[i * C + j]);
            }
            for (int j = 0; j < C; j++) {
                probabilities[i * C + j] = Math.exp(logits[i * C + j]) / sum;
            }
        }
    }

    @AfterClass
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(dir);
    }

    @DataProvider(name = "layouts")
    public Object[][] layouts() {
        return new Object[][] {
            {"npy, C order, float32", false},
            {"npy, Fortran order, float64", false},
            {"npz stored, Fortran order, float32", false},
            {"npz deflated, C order, float64", false},
            {"npz deflated, Fortran order, float32", false},
            {"csv", false},
            {"npz deflated, probabilities", true},
            {"csv, probabilities", true},
        };
    }

    @Test(dataProvider = "layouts")
    public void chunkedRunEqualsTheInMemoryPath(String layout, boolean probs) throws IOException {
        List<String> args = new ArrayList<>(List.of("calibrate"));
        args.addAll(write(layout, probs));
        args.addAll(List.of("--chunk-rows", "7", "--bins", Integer.toString(BINS)));
        if (probs) {
            args.add("--probabilities");
        }
        for (double fraction : new double[] {0.6, 1.0}) {
            String name = layout + ", --fit-fraction " + fraction;
            Path json = dir.resolve("report-" + layout.hashCode() + "-" + fraction + ".json");
            List<String> run = new ArrayList<>(args);
            run.addAll(
                    List.of(
                            "--fit-fraction",
                            Double.toString(fraction),
                            "--json",
                            json.toString()));
            CliRun result = CliRun.of(run.toArray(new String[0]));
            assertEquals(result.exitCode(), 0, name + ": " + result);
            assertTrue(
                    result.out().contains("Read in chunks of 7 rows"), name + ": " + result.out());
            assertFalse(
                    result.out().contains("chunks in"),
                    name + ": no progress lines when stdout is not a terminal: " + result.out());
            assertEquals(result.err(), "", name + ": nothing on standard error");
            JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
            assertSameAsInMemory(name, report, fraction, probs);
        }
    }

    /** Computes the in-memory result and compares every number of the JSON report exactly. */
    private void assertSameAsInMemory(
            String name, JsonObject report, double fraction, boolean probs) {
        int nFit = fraction == 1 ? N : (int) Math.round(fraction * N);
        double[] values = new double[N * C];
        for (int i = 0; i < values.length; i++) {
            values[i] = probs ? Math.log(Math.max(probabilities[i], 1e-38)) : logits[i];
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray all = manager.create(values, new Shape(N, C));
            NDArray classes = manager.create(labels);
            NDIndex fitRows = new NDIndex("0:{}", nFit);
            TemperatureFit fit =
                    new TemperatureScaler().fit(all.get(fitRows), classes.get(fitRows));
            NDIndex scored = nFit < N ? new NDIndex("{}:", nFit) : fitRows;
            NDArray scoredLogits = all.get(scored);
            CalibrationReport before =
                    CalibrationReport.ofLogits(scoredLogits, classes.get(scored), BINS);
            CalibrationReport after =
                    CalibrationReport.ofLogits(
                            scoredLogits.div(fit.temperature()), classes.get(scored), BINS);

            JsonObject fitPart = report.getAsJsonObject("fit");
            same(name, "temperature", report.get("temperature").getAsDouble(), fit.temperature());
            same(name, "fit NLL before", fitPart.get("nll_before").getAsDouble(), fit.nllBefore());
            same(name, "fit NLL after", fitPart.get("nll_after").getAsDouble(), fit.nllAfter());
            assertEquals(
                    fitPart.get("iterations").getAsInt(), fit.iterations(), name + ": iterations");
            JsonObject metrics = nFit < N ? report.getAsJsonObject("heldout") : fitPart;
            metrics(name + ", before", metrics.getAsJsonObject("before"), before);
            metrics(name + ", after", metrics.getAsJsonObject("after"), after);
        }
    }

    private static void metrics(String name, JsonObject json, CalibrationReport report) {
        assertEquals(json.get("n").getAsLong(), report.count(), name + ": n");
        same(name, "ece", json.get("ece").getAsDouble(), report.ece());
        same(name, "mce", json.get("mce").getAsDouble(), report.mce());
        same(name, "nll", json.get("nll").getAsDouble(), report.nll());
        same(name, "brier", json.get("brier").getAsDouble(), report.brier());
        same(name, "accuracy", json.get("accuracy").getAsDouble(), report.accuracy());
        same(name, "adaptive_ece", json.get("adaptive_ece").getAsDouble(), report.adaptiveEce());
        same(name, "classwise_ece", json.get("classwise_ece").getAsDouble(), report.classwiseEce());
    }

    private static void same(String name, String what, double actual, double expected) {
        assertEquals(
                Double.doubleToLongBits(actual),
                Double.doubleToLongBits(expected),
                name + ": " + what + " streamed " + actual + ", in memory " + expected);
    }

    @Test
    public void runningOutOfMemoryIsOneLineNamingTheChunkRows() throws IOException {
        // Sparse files: 150,000 x 1,000 float32 zeros take no disk space; a chunk of all rows
        // needs 1.2 GB of float64, more than the test JVM's 1 GB of direct memory.
        Path outputs = sparse("sparse.npy", NumpyFiles.npy("<f4", "(150000, 1000)", new byte[0]));
        long length = Files.size(outputs) + 600_000_000L;
        try (RandomAccessFile file = new RandomAccessFile(outputs.toFile(), "rw")) {
            file.setLength(length);
        }
        Path labelFile =
                sparse("sparse-labels.npy", NumpyFiles.npy("|u1", "(150000,)", new byte[0]));
        try (RandomAccessFile file = new RandomAccessFile(labelFile.toFile(), "rw")) {
            file.setLength(Files.size(labelFile) + 150_000);
        }
        CliRun run =
                CliRun.of(
                        "calibrate",
                        outputs.toString(),
                        "--labels",
                        labelFile.toString(),
                        "--chunk-rows",
                        "150000");
        assertEquals(run.exitCode(), 1, run.toString());
        assertEquals(run.err().strip().lines().count(), 1L, "one line: " + run);
        assertFalse(run.err().contains("\tat "), "no stack trace: " + run);
        for (String part :
                new String[] {
                    "tempered calibrate: out of memory",
                    "chunks of 150000 rows x 1000 classes",
                    "1144 MB as float64",
                    "lower --chunk-rows (e.g. --chunk-rows 37500) or raise -Xmx"
                }) {
            assertTrue(run.err().contains(part), "stderr lacks '" + part + "': " + run);
        }
        Files.delete(outputs);
    }

    @Test
    public void chunkRowsBelowOneIsAUsageError() {
        CliRun run = CliRun.of("calibrate", "x.npy", "--chunk-rows", "0");
        assertEquals(run.exitCode(), 2, run.toString());
        assertTrue(run.err().contains("--chunk-rows must be >= 1, got 0"), run.toString());
    }

    /** Writes the data in the given layout and returns the file arguments. */
    private List<String> write(String layout, boolean probs) throws IOException {
        double[] values = probs ? probabilities : logits;
        String stem = "data-" + Integer.toHexString(layout.hashCode());
        double[] classes = new double[N];
        for (int i = 0; i < N; i++) {
            classes[i] = labels[i];
        }
        String descr = layout.contains("float32") ? "<f4" : "<f8";
        boolean fortran = layout.contains("Fortran");
        if (layout.startsWith("csv")) {
            StringBuilder csv = new StringBuilder("a,b,c,d,e\n");
            StringBuilder labelCsv = new StringBuilder();
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < C; j++) {
                    csv.append(j == 0 ? "" : ",").append(values[i * C + j]);
                }
                csv.append('\n');
                labelCsv.append(labels[i]).append('\n');
            }
            Path file = Files.writeString(dir.resolve(stem + ".csv"), csv, StandardCharsets.UTF_8);
            Path labelFile =
                    Files.writeString(
                            dir.resolve(stem + "-labels.csv"), labelCsv, StandardCharsets.UTF_8);
            return List.of(file.toString(), "--labels", labelFile.toString());
        }
        byte[] data = NumpyFiles.encode(values, N, C, descr, fortran);
        byte[] labelData = NumpyFiles.encode(classes, N, 0, "<i8", false);
        if (layout.startsWith("npy")) {
            Path file = Files.write(dir.resolve(stem + ".npy"), data);
            Path labelFile = Files.write(dir.resolve(stem + "-labels.npy"), labelData);
            return List.of(file.toString(), "--labels", labelFile.toString());
        }
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put(probs ? "probabilities" : "logits", data);
        arrays.put("labels", labelData);
        Path file = dir.resolve(stem + ".npz");
        NumpyFiles.npz(file, arrays, layout.contains("stored"));
        return List.of(file.toString());
    }

    private Path sparse(String name, byte[] header) throws IOException {
        return Files.write(dir.resolve(name), header);
    }

    private static Path createDirectory() {
        try {
            return Files.createTempDirectory("tempered-streaming");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
