package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import io.github.tempered.testing.NumpyFiles;
import io.github.tempered.testing.TempFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * The bad-input matrix of the command line, for every subcommand: usage errors exit with 2 and
 * picocli's message, bad input (files, data) exits with 1 and one line on standard error; never a
 * stack trace, never a JVM abort. Extends the cases of {@code TemperedTest}, {@code
 * CalibrateCommandTest}, {@code DemoCommandTest} and {@code DistillCommandTest} without repeating
 * them. {@code gradients} takes no input, so it has usage errors only.
 */
public class CliBadInputTest {

    private static final int ROWS = 40;
    private static final int CLASSES = 3;

    private Path dir;
    private Path logits;
    private Path labels;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tempered-cli-bad");
        Random random = new Random(3);
        float[] values = new float[ROWS * CLASSES];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        long[] classes = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            classes[i] = i % CLASSES;
        }
        logits = Files.write(dir.resolve("logits.npy"), NumpyFiles.float32(values, ROWS, CLASSES));
        labels = Files.write(dir.resolve("labels.npy"), NumpyFiles.int64(classes));
    }

    @AfterClass
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(dir);
    }

    @DataProvider(name = "usageErrors")
    public Object[][] usageErrors() {
        String f = logits.toString();
        return new Object[][] {
            {"demo: non-numeric epochs", args("demo", "--epochs", "many"), "'many'"},
            {"demo: limit of 0", args("demo", "--limit", "0,5,5"), "--limit takes three numbers"},
            {"demo: limit of four numbers", args("demo", "--limit", "1,2,3,4"), "got [1, 2, 3, 4]"},
            {
                "demo: data and embedded",
                args("demo", "--data", dir.toString(), "--embedded"),
                "--data and --embedded exclude each other"
            },
            {"demo: non-numeric seed", args("demo", "--seed", "x"), "'x'"},
            {"demo: unknown option", args("demo", "--gpu"), "Unknown option: '--gpu'"},
            {"demo: positional argument", args("demo", "extra"), "Unmatched argument"},
            {"calibrate: fit fraction 0", args("calibrate", f, "--fit-fraction", "0"), "(0, 1]"},
            {
                "calibrate: fit fraction NaN",
                args("calibrate", f, "--fit-fraction", "NaN"),
                "--fit-fraction must be in (0, 1], got NaN"
            },
            {"calibrate: negative bins", args("calibrate", f, "--bins", "-3"), "got -3"},
            {"calibrate: two files", args("calibrate", f, f), "Unmatched argument"},
            {"calibrate: unknown option", args("calibrate", f, "--gpu"), "Unknown option"},
            {"distill: epochs 0", args("distill", "--epochs", "0"), "--epochs must be >= 1"},
            {"distill: alpha NaN", args("distill", "--alpha", "NaN"), "--alpha must be in [0, 1]"},
            {"distill: alpha -0.5", args("distill", "--alpha", "-0.5"), "got -0.5"},
            {
                "distill: temperature 0",
                args("distill", "--temperature", "0"),
                "--temperature must be finite and greater than 0, got 0.0"
            },
            {"distill: temperature inf", args("distill", "--temperature", "Infinity"), "Infinity"},
            {"distill: temperature text", args("distill", "--temperature", "hot"), "'hot'"},
            {
                "distill: one hidden size",
                args("distill", "--teacher-hidden", "64"),
                "take two numbers"
            },
            {
                "distill: hidden size 0",
                args("distill", "--student-hidden", "0,5"),
                "take sizes >= 1, got 1024,512 and 0,5"
            },
            {"distill: limit of two", args("distill", "--limit", "5,5"), "--limit takes three"},
            {"gradients: positional argument", args("gradients", "now"), "Unmatched argument"},
            {"gradients: unknown option", args("gradients", "--seed", "1"), "Unknown option"},
        };
    }

    @Test(dataProvider = "usageErrors")
    public void usageErrorsExitWithTwo(String name, String[] args, String fragment) {
        CliRun run = CliRun.of(args);
        assertEquals(run.exitCode(), 2, name + ": " + run);
        assertTrue(
                run.err().contains(fragment), name + ": stderr lacks '" + fragment + "': " + run);
        assertFalse(run.err().contains("\tat "), name + ": no stack trace: " + run);
        assertTrue(run.out().isEmpty(), name + ": nothing on standard output: " + run);
    }

    @DataProvider(name = "badInputs")
    public Object[][] badInputs() throws IOException {
        String l = labels.toString();
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path file = Files.writeString(dir.resolve("plain.txt"), "x", StandardCharsets.UTF_8);
        return new Object[][] {
            {
                "demo: data directory without files",
                args("demo", "--data", empty.toString()),
                empty.toString()
            },
            {
                "distill: missing data directory",
                args("distill", "--data", "/nonexistent/fm"),
                "/nonexistent/fm"
            },
            {
                "calibrate: directory as FILE",
                args("calibrate", dir.toString()),
                "is not a readable file"
            },
            {
                "calibrate: int16 labels (abort in DJL's engine)",
                args(
                        "calibrate",
                        logits.toString(),
                        "--labels",
                        npy("i16.npy", "<i2", "(" + ROWS + ",)", new byte[2 * ROWS]).toString()),
                "NumPy type '<i2' is not supported"
            },
            {
                "calibrate: uint32 labels in an npz (abort in DJL's engine)",
                args(
                        "calibrate",
                        npz(
                                        "u32.npz",
                                        NumpyFiles.float32(
                                                new float[ROWS * CLASSES], ROWS, CLASSES),
                                        NumpyFiles.npy(
                                                "<u4", "(" + ROWS + ",)", new byte[4 * ROWS]))
                                .toString()),
                "u32.npz (labels.npy): NumPy type '<u4' is not supported"
            },
            {
                "calibrate: uint16 outputs (abort in DJL's engine)",
                args(
                        "calibrate",
                        npy("u16.npy", "<u2", "(2, 2)", new byte[8]).toString(),
                        "--labels",
                        l),
                "'<u2'"
            },
            {
                "calibrate: big-endian outputs (silently wrong in DJL)",
                args(
                        "calibrate",
                        npy(
                                        "be.npy",
                                        ">f4",
                                        "(" + ROWS + ", " + CLASSES + ")",
                                        new byte[4 * ROWS * CLASSES])
                                .toString(),
                        "--labels",
                        l),
                "big-endian NumPy arrays ('>f4') are not supported"
            },
            {
                "calibrate: truncated npy declaring 1.6 GB",
                args(
                        "calibrate",
                        npy("huge.npy", "<f4", "(100000000, 4)", new byte[32]).toString(),
                        "--labels",
                        l),
                "is truncated: its header declares shape (100000000, 4) of <f4, 1600000000"
                        + " bytes, but only 32 follow"
            },
            {
                "calibrate: zip bomb (a 120-byte header over 64 MB of zeros)",
                args("calibrate", bomb().toString()),
                "bomb.npz (logits.npy): its header and content disagree"
            },
            {
                "calibrate: object array",
                args(
                        "calibrate",
                        npy("o.npy", "|O", "(" + ROWS + ", " + CLASSES + ")", new byte[64])
                                .toString(),
                        "--labels",
                        l),
                "o.npy is not a readable NumPy file: Unsupported dataType: |O"
            },
            {
                "calibrate: overflowing shape",
                args(
                        "calibrate",
                        npy("of.npy", "<f4", "(4611686018427387904, 8)", new byte[8]).toString(),
                        "--labels",
                        l),
                "9223372036854775807 bytes, but only 8 follow"
            },
            {
                "calibrate: probabilities that are logits",
                args("calibrate", logits.toString(), "--labels", l, "--probabilities"),
                "are these logits? drop --probabilities"
            },
            {
                "calibrate: NaN logit",
                args(
                        "calibrate",
                        npy("nan.npy", "<f4", "(" + ROWS + ", " + CLASSES + ")", floats(Float.NaN))
                                .toString(),
                        "--labels",
                        l),
                "contains a non-finite value (NaN)"
            },
            {
                "calibrate: float16 overflow to inf",
                args(
                        "calibrate",
                        npy("f16.npy", "<f2", "(" + ROWS + ", " + CLASSES + ")", halfInfinity())
                                .toString(),
                        "--labels",
                        l),
                "contains a non-finite value (Infinity)"
            },
            {
                "calibrate: boolean labels",
                args(
                        "calibrate",
                        logits.toString(),
                        "--labels",
                        npy("b.npy", "|b1", "(" + ROWS + ",)", new byte[ROWS]).toString()),
                "is not numeric: data type boolean"
            },
            {
                "calibrate: 3-D outputs",
                args(
                        "calibrate",
                        npy("v.npy", "<f4", "(" + ROWS + ", 2, 2)", new byte[16 * ROWS]).toString(),
                        "--labels",
                        l),
                "has shape (" + ROWS + ", 2, 2); expected (N, C), or (N) for a binary"
            },
            {
                "calibrate: fit fraction leaving no row to score",
                args("calibrate", logits.toString(), "--labels", l, "--fit-fraction", "0.999"),
                "both need at least one row"
            },
            {
                "calibrate: JSON under a regular file",
                args(
                        "calibrate",
                        logits.toString(),
                        "--labels",
                        l,
                        "--json",
                        file.resolve("r.json").toString()),
                file.toString()
            },
        };
    }

    @Test(dataProvider = "badInputs")
    public void badInputExitsWithOneAndOneLine(String name, String[] args, String fragment) {
        CliRun run = CliRun.of(args);
        assertEquals(run.exitCode(), 1, name + ": " + run);
        assertTrue(
                run.err().contains(fragment), name + ": stderr lacks '" + fragment + "': " + run);
        assertEquals(run.err().strip().lines().count(), 1L, name + ": one line: " + run);
        assertFalse(run.err().contains("\tat "), name + ": no stack trace: " + run);
    }

    private static String[] args(String... args) {
        return args;
    }

    private Path npy(String name, String descr, String shape, byte[] data) throws IOException {
        return Files.write(dir.resolve(name), NumpyFiles.npy(descr, shape, data));
    }

    private Path npz(String name, byte[] outputs, byte[] labelArray) throws IOException {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("logits", outputs);
        arrays.put("labels", labelArray);
        Path file = dir.resolve(name);
        NumpyFiles.npz(file, arrays);
        return file;
    }

    /** An archive whose logits header declares 10 x 3 float32 over 64 MB of zeros. */
    private Path bomb() throws IOException {
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("logits", NumpyFiles.npy("<f4", "(10, 3)", new byte[64 << 20]));
        arrays.put("labels", NumpyFiles.int64(new long[10]));
        Path file = dir.resolve("bomb.npz");
        NumpyFiles.npz(file, arrays);
        return file;
    }

    /** Float32 logits, all 0.5 but the last, which is {@code last}. */
    private static byte[] floats(float last) {
        ByteBuffer data = ByteBuffer.allocate(4 * ROWS * CLASSES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ROWS * CLASSES - 1; i++) {
            data.putFloat(0.5f);
        }
        data.putFloat(last);
        return data.array();
    }

    /** Float16 logits, all 0 but one +inf (0x7c00), as a float32 of 1e5 cast to float16 is. */
    private static byte[] halfInfinity() {
        ByteBuffer data = ByteBuffer.allocate(2 * ROWS * CLASSES).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort(5 * 2, (short) 0x7c00);
        return data.array();
    }
}
