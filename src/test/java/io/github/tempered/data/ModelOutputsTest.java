package io.github.tempered.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.tempered.testing.NumpyFiles;
import io.github.tempered.testing.ResidentMemory;
import io.github.tempered.testing.TempFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@link ModelOutputs} on files NumPy wrote ({@code tools/gen_numpy_files.py}) and on files built
 * here: every accepted type and layout decodes exactly, chunks tile the rows in order with
 * boundaries inside the data, every pass reads again, and bad or hostile files give one clear
 * message naming the file.
 */
public class ModelOutputsTest {

    private Path dir;
    private double[] expected;
    private long[] expectedLabels;
    private int rows;
    private int cols;

    @BeforeClass
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("tempered-model-outputs");
        JsonObject json =
                JsonParser.parseString(Files.readString(resource("expected.json")))
                        .getAsJsonObject();
        rows = json.getAsJsonArray("shape").get(0).getAsInt();
        cols = json.getAsJsonArray("shape").get(1).getAsInt();
        JsonArray values = json.getAsJsonArray("values");
        expected = new double[values.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = values.get(i).getAsDouble();
        }
        JsonArray labels = json.getAsJsonArray("labels");
        expectedLabels = new long[labels.size()];
        for (int i = 0; i < expectedLabels.length; i++) {
            expectedLabels[i] = labels.get(i).getAsLong();
        }
    }

    @AfterClass
    public void tearDown() throws IOException {
        TempFiles.deleteRecursively(dir);
    }

    // ------------------------------------------------------------ files written by NumPy

    @DataProvider(name = "numpyFiles")
    public Object[][] numpyFiles() {
        return new Object[][] {
            {"c_float16.npy", "labels_int64.npy"},
            {"c_float32.npy", "labels_int8.npy"},
            {"c_float64.npy", "labels_uint8.npy"},
            {"f_float16.npy", "labels_int32.npy"},
            {"f_float32.npy", "labels_column.npy"},
            {"f_float64.npy", "labels_int64.npy"},
            {"v2_float32.npy", "labels_int64.npy"},
            {"v3_float32.npy", "labels_int64.npy"},
            {"stored.npz", null},
            {"compressed.npz", null},
            {"compressed_c.npz", null},
        };
    }

    @Test(dataProvider = "numpyFiles")
    public void numpyFilesDecodeExactlyInChunksOfTwoRows(String outputs, String labels)
            throws IOException {
        String name = outputs + " / " + labels;
        ModelOutputs.Builder builder =
                ModelOutputs.builder().setOutputs(resource(outputs)).optChunkRows(2);
        if (labels != null) {
            builder.optLabels(resource(labels));
        }
        try (ModelOutputs reader = builder.build()) {
            assertEquals(reader.getRowCount(), rows, name + ": rows");
            assertEquals(reader.getNumClasses(), cols, name + ": classes");
            assertEquals(reader.getChunkRows(), 2, name + ": chunk rows");
            Read read = read(reader);
            assertEquals(read.sizes, List.of(2L, 2L, 2L, 2L, 1L), name + ": chunk sizes");
            assertBitsEqual(name, read.values, expected);
            assertEquals(read.labels, expectedLabels, name + ": labels");
        }
    }

    @Test
    public void everyPassReadsAgainAndRangesStartAnywhere() throws IOException {
        try (ModelOutputs reader =
                ModelOutputs.builder()
                        .setOutputs(resource("compressed.npz"))
                        .optChunkRows(3)
                        .build()) {
            Read first = read(reader);
            Read second = read(reader);
            assertBitsEqual("second pass", second.values, first.values);
            Read middle = read(reader.range(2, 7));
            assertEquals(middle.sizes, List.of(3L, 2L), "chunks of rows [2, 7)");
            assertBitsEqual(
                    "rows [2, 7)", middle.values, Arrays.copyOfRange(expected, 2 * cols, 7 * cols));
            assertEquals(
                    middle.labels, Arrays.copyOfRange(expectedLabels, 2, 7), "labels of [2, 7)");
            assertFalse(reader.range(4, 4).iterator().hasNext(), "an empty range has no chunk");
            Iterator<NDList> done = reader.range(4, 4).iterator();
            expectThrows(NoSuchElementException.class, done::next);
        }
    }

    @Test
    public void chunksAreFloat64AndInt64OnTheGivenManager() throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                ModelOutputs reader =
                        ModelOutputs.builder()
                                .setOutputs(resource("c_float16.npy"))
                                .optLabels(resource("labels_int8.npy"))
                                .optManager(manager)
                                .build()) {
            assertEquals(reader.getChunkRows(), rows, "the default chunk holds all 9 rows");
            int before = manager.getManagedArrays().size();
            NDList chunk = reader.iterator().next();
            assertEquals(chunk.get(0).getDataType(), DataType.FLOAT64, "logits type");
            assertEquals(chunk.get(0).getShape(), new Shape(rows, cols), "logits shape");
            assertEquals(chunk.get(1).getDataType(), DataType.INT64, "labels type");
            assertEquals(chunk.get(0).getName(), "logits", "name");
            assertEquals(chunk.get(1).getName(), "labels", "name");
            assertEquals(manager.getManagedArrays().size(), before + 2, "two arrays per chunk");
            chunk.close();
            assertEquals(manager.getManagedArrays().size(), before, "closed with the chunk");
        }
    }

    @Test
    public void closingTheReaderClosesItsManagersChunks() throws IOException {
        ModelOutputs reader = ModelOutputs.builder().setOutputs(resource("stored.npz")).build();
        NDList chunk = reader.iterator().next();
        Iterator<NDList> pass = reader.range(0, rows).iterator();
        reader.close();
        assertTrue(chunk.get(0).isReleased(), "an open chunk is closed with the reader");
        IllegalStateException e = expectThrows(IllegalStateException.class, pass::next);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        reader.close(); // twice is fine
    }

    @Test
    public void tenThousandChunksDoNotGrowNativeMemory() throws IOException {
        // Every pass opens cursors (an inflater for the deflated member) and every chunk two
        // engine arrays; all of it must be released.
        for (String file : new String[] {"compressed_c.npz", "stored.npz"}) {
            try (ModelOutputs reader =
                    ModelOutputs.builder().setOutputs(resource(file)).optChunkRows(1).build()) {
                long growth =
                        ResidentMemory.growth(
                                2_000 / rows,
                                10_000 / rows,
                                () -> {
                                    for (NDList chunk : reader) {
                                        chunk.close();
                                    }
                                });
                assertTrue(
                        growth < 5L << 20,
                        file
                                + ": 10,000 chunks grew the resident set by "
                                + (growth >> 10)
                                + " kB");
            }
        }
    }

    @Test
    public void probabilitiesAreReadAsLogProbabilities() throws IOException {
        Path probs = write("probs.csv", "p0,p1,p2\n0.25,0.75,0\n\n1,0,0\n0.5,0.25,0.25\n");
        Path labels = write("probs-labels.csv", "1\n0\n2\n");
        try (ModelOutputs reader =
                ModelOutputs.builder()
                        .setOutputs(probs)
                        .optLabels(labels)
                        .optKind(OutputKind.PROBABILITIES)
                        .optChunkRows(2)
                        .build()) {
            Read read = read(reader);
            double[] want = new double[9];
            double[] p = {0.25, 0.75, 0, 1, 0, 0, 0.5, 0.25, 0.25};
            for (int i = 0; i < p.length; i++) {
                want[i] = Math.log(Math.max(p[i], 1e-38));
            }
            assertBitsEqual("log probabilities", read.values, want);
            assertEquals(read.labels, new long[] {1, 0, 2}, "labels");
            assertTrue(
                    reader.getDescription()
                            .endsWith("3 rows, 3 classes (probabilities; log taken)"),
                    reader.getDescription());
        }
    }

    @Test
    public void largeDeflatedMemberIsReadInBoundedChunks() throws IOException {
        // 2,000,000 x 3 float32 zeros inflate to 24 MB from a few tens of kB.
        int n = 2_000_000;
        Map<String, byte[]> arrays = new LinkedHashMap<>();
        arrays.put("logits", NumpyFiles.npy("<f4", "(" + n + ", 3)", new byte[12 * n]));
        arrays.put("labels", NumpyFiles.npy("|u1", "(" + n + ",)", new byte[n]));
        Path npz = dir.resolve("zeros.npz");
        NumpyFiles.npz(npz, arrays);
        assertTrue(Files.size(npz) < 200_000, "compressed size " + Files.size(npz));
        try (ModelOutputs reader =
                ModelOutputs.builder().setOutputs(npz).optChunkRows(250_000).build()) {
            long chunks = 0;
            for (NDList chunk : reader) {
                try (chunk) {
                    assertTrue(chunk.get(0).getShape().get(0) <= 250_000, "chunk rows");
                    chunks++;
                }
            }
            assertEquals(chunks, 8L, "chunks of 250,000 rows");
        }
    }

    // ------------------------------------------------------------ files built here

    @DataProvider(name = "layouts")
    public Object[][] layouts() {
        return new Object[][] {
            {"<f4", false, "stored"}, {"<f8", true, "stored"},
            {"<f4", true, "deflated"}, {"<f2", false, "deflated"},
            {"<f8", false, "npy"}, {"<f4", true, "npy"},
        };
    }

    @Test(dataProvider = "layouts")
    public void builtLayoutsMatchTheirValues(String descr, boolean fortran, String container)
            throws IOException {
        int n = 23;
        int c = 5;
        double[] values = new double[n * c];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i % 17) * 0.25 - 2; // exact in float16
        }
        double[] classes = new double[n];
        for (int i = 0; i < n; i++) {
            classes[i] = (7 * i) % c;
        }
        byte[] logits = NumpyFiles.encode(values, n, c, descr, fortran);
        byte[] labels = NumpyFiles.encode(classes, n, 0, "<i4", false);
        String name = descr + (fortran ? " Fortran " : " C ") + container;
        Path outputs;
        Path labelFile = null;
        if (container.equals("npy")) {
            outputs = Files.write(dir.resolve("built-" + name.replace(' ', '_') + ".npy"), logits);
            labelFile = Files.write(dir.resolve("built-labels.npy"), labels);
        } else {
            outputs = dir.resolve("built-" + name.replace(' ', '_').replace('<', 'l') + ".npz");
            Map<String, byte[]> arrays = new LinkedHashMap<>();
            arrays.put("scores", logits);
            arrays.put("truth", labels);
            NumpyFiles.npz(outputs, arrays, container.equals("stored"));
        }
        for (int chunkRows : new int[] {1, 4, 7, 23, 1000}) {
            ModelOutputs.Builder builder =
                    ModelOutputs.builder().setOutputs(outputs).optChunkRows(chunkRows);
            if (labelFile != null) {
                builder.optLabels(labelFile);
            }
            try (ModelOutputs reader = builder.build()) {
                Read read = read(reader.range(3, n));
                assertBitsEqual(
                        name + ", chunks of " + chunkRows,
                        read.values,
                        Arrays.copyOfRange(values, 3 * c, n * c));
                long[] want = new long[n - 3];
                for (int i = 3; i < n; i++) {
                    want[i - 3] = (long) classes[i];
                }
                assertEquals(read.labels, want, name + ", chunks of " + chunkRows + ": labels");
            }
        }
    }

    @Test
    public void halfPrecisionDecodesLikeTheEngine() {
        // Every one of the 65,536 float16 bit patterns, against PyTorch's conversion.
        java.nio.ByteBuffer bits =
                ByteBuffer.allocateDirect(2 << 16).order(ByteOrder.nativeOrder());
        for (int h = 0; h < 1 << 16; h++) {
            bits.putShort((short) h);
        }
        bits.rewind();
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] engine =
                    manager.create(bits, new Shape(1 << 16), DataType.FLOAT16)
                            .toType(DataType.FLOAT32, false)
                            .toFloatArray();
            for (int h = 0; h < 1 << 16; h++) {
                float mine = ElementType.halfToFloat((short) h);
                boolean same =
                        Float.isNaN(engine[h])
                                ? Float.isNaN(mine)
                                : Float.floatToIntBits(mine) == Float.floatToIntBits(engine[h]);
                assertTrue(
                        same,
                        String.format(
                                "float16 0x%04x: got %s, expected %s (PyTorch)",
                                h, mine, engine[h]));
            }
        }
    }

    // ------------------------------------------------------------ binary outputs

    @DataProvider(name = "binaryLayouts")
    public Object[][] binaryLayouts() {
        return new Object[][] {
            {"npy (N)"}, {"npy (N, 1)"}, {"npz (N, 1) stored"}, {"npz (N)"}, {"csv"}
        };
    }

    @Test(dataProvider = "binaryLayouts")
    public void binaryOutputsAreOneScorePerRowInChunksOfAnySize(String layout) throws IOException {
        int n = 11;
        double[] scores = new double[n];
        double[] labels = new double[n];
        for (int i = 0; i < n; i++) {
            scores[i] = (i % 9) * 0.75 - 3; // exact in float32 and in decimal
            labels[i] = i % 3 == 0 ? 1 : 0;
        }
        String name = "binary " + layout.replace(' ', '_').replace(",", "");
        Path outputs;
        Path labelFile = null;
        if (layout.equals("csv")) {
            StringBuilder csv = new StringBuilder("score\n");
            StringBuilder labelCsv = new StringBuilder();
            for (int i = 0; i < n; i++) {
                csv.append(scores[i]).append('\n');
                labelCsv.append((long) labels[i]).append('\n');
            }
            outputs = write(name + ".csv", csv.toString());
            labelFile = write(name + "-labels.csv", labelCsv.toString());
        } else {
            byte[] column =
                    NumpyFiles.encode(scores, n, layout.contains("(N, 1)") ? 1 : 0, "<f4", false);
            byte[] classes = NumpyFiles.encode(labels, n, 0, "|u1", false);
            if (layout.startsWith("npy")) {
                outputs = Files.write(dir.resolve(name + ".npy"), column);
                labelFile = Files.write(dir.resolve(name + "-labels.npy"), classes);
            } else {
                // Unknown member names: the 1-D floating-point member is the outputs.
                outputs = dir.resolve(name + ".npz");
                Map<String, byte[]> arrays = new LinkedHashMap<>();
                arrays.put("truth", classes);
                arrays.put("margin", column);
                NumpyFiles.npz(outputs, arrays, layout.endsWith("stored"));
            }
        }
        for (int chunkRows : new int[] {1, 2, 3, 11, 100}) {
            String label = layout + ", chunks of " + chunkRows;
            ModelOutputs.Builder builder =
                    ModelOutputs.builder().setOutputs(outputs).optChunkRows(chunkRows);
            if (labelFile != null) {
                builder.optLabels(labelFile);
            }
            try (ModelOutputs reader = builder.build()) {
                assertTrue(reader.isBinary(), label + ": binary");
                assertEquals(reader.getNumClasses(), 2, label + ": classes");
                assertEquals(reader.getRowCount(), (long) n, label + ": rows");
                assertTrue(
                        reader.getDescription().endsWith(n + " rows, binary (one logit per row)"),
                        label + ": " + reader.getDescription());
                try (NDList first = reader.iterator().next()) {
                    assertEquals(
                            first.get(0).getShape(),
                            new Shape(Math.min(chunkRows, n)),
                            label + ": a chunk holds (n) scores");
                    assertEquals(first.get(0).getName(), "scores", label + ": name");
                    assertEquals(first.get(0).getDataType(), DataType.FLOAT64, label + ": type");
                }
                Read read = read(reader.range(2, n));
                assertBitsEqual(label, read.values, Arrays.copyOfRange(scores, 2, n));
                long[] want = new long[n - 2];
                for (int i = 2; i < n; i++) {
                    want[i - 2] = (long) labels[i];
                }
                assertEquals(read.labels, want, label + ": labels");
            }
        }
    }

    @Test
    public void binaryProbabilitiesAreReadAsClampedLogOdds() throws IOException {
        double[] p = {0.25, 0, 1, 0.5, 0.875, 1e-40};
        StringBuilder csv = new StringBuilder("p\n");
        for (double v : p) {
            csv.append(v).append('\n');
        }
        Path probs = write("binary-probs.csv", csv.toString());
        Path labels = write("binary-probs-labels.csv", "1\n0\n1\n0\n1\n0\n");
        try (ModelOutputs reader =
                ModelOutputs.builder()
                        .setOutputs(probs)
                        .optLabels(labels)
                        .optKind(OutputKind.PROBABILITIES)
                        .optChunkRows(4)
                        .build()) {
            assertTrue(reader.isBinary(), "binary");
            assertTrue(
                    reader.getDescription().endsWith("binary (P(y = 1) per row; log-odds taken)"),
                    reader.getDescription());
            double[] want = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                want[i] = Math.log(Math.max(p[i], 1e-38)) - Math.log(Math.max(1 - p[i], 1e-38));
            }
            Read read = read(reader);
            assertBitsEqual("log-odds", read.values, want);
            assertEquals(read.values[0], Math.log(1 / 3.0), 1e-15, "log-odds of 0.25");
            assertEquals(read.values[1], Math.log(1e-38), 0, "p = 0 is clamped at 1e-38");
            assertEquals(read.values[2], -Math.log(1e-38), 0, "p = 1 is clamped at 1 - 1e-38");
        }
    }

    // ------------------------------------------------------------ bad and hostile input

    @DataProvider(name = "badFiles")
    public Object[][] badFiles() throws IOException {
        Path labels = Files.write(dir.resolve("bad-labels.npy"), NumpyFiles.int64(new long[4]));
        byte[] four = NumpyFiles.encode(new double[8], 4, 2, "<f4", false);
        Path f4 = Files.write(dir.resolve("four.npy"), four);
        Map<String, byte[]> bomb = new LinkedHashMap<>();
        // The header says 10 x 3 float32 (120 bytes); 50 MB of zeros follow.
        bomb.put("logits", NumpyFiles.npy("<f4", "(10, 3)", new byte[50 << 20]));
        bomb.put("labels", NumpyFiles.int64(new long[10]));
        Path bombFile = dir.resolve("bomb.npz");
        NumpyFiles.npz(bombFile, bomb);
        Map<String, byte[]> shortMember = new LinkedHashMap<>();
        shortMember.put("logits", NumpyFiles.npy("<f4", "(10, 3)", new byte[60]));
        shortMember.put("labels", NumpyFiles.int64(new long[10]));
        Path shortFile = dir.resolve("short.npz");
        NumpyFiles.npz(shortFile, shortMember, true);
        Path noLabels = Files.write(dir.resolve("alone.npy"), four);
        return new Object[][] {
            {"missing file", dir.resolve("nope.npy"), labels, "nope.npy"},
            {
                "zip bomb: header and content disagree",
                bombFile,
                null,
                "bomb.npz (logits.npy): its header and content disagree: the header declares"
                        + " shape (10, 3) of <f4, 120 bytes, but the archive holds 52428800"
            },
            {
                "stored member shorter than its header",
                shortFile,
                null,
                "short.npz (logits.npy) is truncated: its header declares shape (10, 3) of <f4,"
                        + " 120 bytes, but only 60 follow"
            },
            {
                "overflowing shape",
                npy("overflow.npy", "<f8", "(4611686018427387904, 4611686018427387904)", 16),
                labels,
                "of <f8, 9223372036854775807 bytes, but only 16 follow"
            },
            {
                "huge Fortran-order shape, truncated",
                Files.write(
                        dir.resolve("huge-f.npy"),
                        NumpyFiles.npy("<f4", "(100000000, 4)", new byte[32], true)),
                labels,
                "(100000000, 4) of <f4, 1600000000 bytes, but only 32 follow"
            },
            {
                "object array",
                npy("object.npy", "|O", "(4, 2)", 64),
                labels,
                "is not a readable NumPy file: Unsupported dataType: |O"
            },
            {
                "structured array",
                write(
                        "struct.npy",
                        header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }")
                                + "\u0000".repeat(16)),
                labels,
                "is not a readable NumPy file: Invalid numpy header"
            },
            {
                "not NumPy at all",
                write("text.npy", "hello, world"),
                labels,
                "text.npy is not a readable NumPy file: Malformed numpy data"
            },
            {
                "header cut short",
                write("cut.npy", "\u0093NUMPY\u0001\u0000\u0040\u0000{'descr'"),
                labels,
                "cut.npy is not a readable NumPy file: the file ends inside the header"
            },
            {
                "unknown version",
                write("v9.npy", "\u0093NUMPY\u0009\u0000\u0040\u0000{}"),
                labels,
                "Unknown numpy version: 9.0"
            },
            {
                "three dimensions",
                npy("cube.npy", "<f4", "(4, 2, 2)", 64),
                labels,
                "expected (N, C)"
            },
            {
                "labels of another length",
                f4,
                Files.write(dir.resolve("three.npy"), NumpyFiles.int64(new long[3])),
                "four.npy has 4 rows but the labels (three.npy) have shape (3); expected (4)"
            },
            {"no classes", npy("empty.npy", "<f4", "(4, 0)", 0), labels, "is empty: shape (4, 0)"},
            {"a single array", noLabels, null, "holds a single array; give the labels with"},
        };
    }

    @Test(dataProvider = "badFiles")
    public void badFilesAreRefusedWhenOpened(String name, Path outputs, Path labels, String text) {
        Exception e =
                expectThrows(
                        Exception.class,
                        () -> {
                            ModelOutputs.Builder builder = ModelOutputs.builder();
                            builder.setOutputs(outputs).optLabels(labels).build().close();
                        });
        assertTrue(
                e instanceof IllegalArgumentException || e instanceof NoSuchFileException,
                name + ": " + e);
        assertTrue(
                String.valueOf(e.getMessage()).contains(text),
                name + ": message lacks '" + text + "': " + e.getMessage());
    }

    @DataProvider(name = "badRows")
    public Object[][] badRows() throws IOException {
        return new Object[][] {
            {
                "label out of range in the second chunk",
                write("r1.csv", "1,2\n3,4\n5,6\n"),
                write("r1-labels.csv", "0\n1\n2\n"),
                OutputKind.LOGITS,
                "labels r1-labels.csv: row 2 holds 2, not a class index in [0, 2)"
            },
            {
                "fractional label",
                write("r2.csv", "1,2\n3,4\n5,6\n"),
                write("r2-labels.csv", "0\n0.5\n1\n"),
                OutputKind.LOGITS,
                "row 1 holds 0.5, not a class index"
            },
            {
                "NaN",
                write("r3.csv", "1,2\n3,4\n5,NaN\n"),
                write("r3-labels.csv", "0\n1\n1\n"),
                OutputKind.LOGITS,
                "r3.csv contains a non-finite value (NaN) in row 2, column 1"
            },
            {
                "probability row not summing to 1: the first offending row",
                write("r4.csv", "0.5,0.5\n0.4,0.4\n0.9,0.9\n"),
                write("r4-labels.csv", "0\n1\n1\n"),
                OutputKind.PROBABILITIES,
                "r4.csv: row 1 sums to 0.800000, not 1 (tolerance 0.001); are these logits?"
            },
            {
                "binary: a label other than 0 and 1",
                write("b1.csv", "1\n2\n3\n"),
                write("b1-labels.csv", "0\n1\n2\n"),
                OutputKind.LOGITS,
                "labels b1-labels.csv: row 2 holds 2, not a binary label 0 or 1"
            },
            {
                "binary: a probability above 1",
                write("b2.csv", "0.5\n1.5\n0.2\n"),
                write("b2-labels.csv", "0\n1\n1\n"),
                OutputKind.PROBABILITIES,
                "b2.csv: row 1 holds 1.5, not a probability in [0, 1]; are these logits?"
            },
            {
                "binary: NaN",
                write("b3.csv", "0.5\n1.5\nNaN\n"),
                write("b3-labels.csv", "0\n1\n1\n"),
                OutputKind.LOGITS,
                "b3.csv contains a non-finite value (NaN) in row 2, column 0"
            },
            {
                "negative probability",
                write("r5.csv", "0.5,0.5\n1,0\n1.5,-0.5\n"),
                write("r5-labels.csv", "0\n1\n1\n"),
                OutputKind.PROBABILITIES,
                "r5.csv: row 2 has a negative probability -0.5 (column 1)"
            },
        };
    }

    @Test(dataProvider = "badRows")
    public void badRowsAreReportedWithTheirFileRow(
            String name, Path outputs, Path labels, OutputKind kind, String text)
            throws IOException {
        try (ModelOutputs reader =
                ModelOutputs.builder()
                        .setOutputs(outputs)
                        .optLabels(labels)
                        .optKind(kind)
                        .optChunkRows(2)
                        .build()) {
            IllegalArgumentException e =
                    expectThrows(IllegalArgumentException.class, () -> read(reader));
            assertTrue(
                    e.getMessage().contains(text),
                    name + ": message lacks '" + text + "': " + e.getMessage());
        }
    }

    @Test
    public void badOptionsNameTheOption() throws IOException {
        Path f = Files.write(dir.resolve("opt.npy"), NumpyFiles.float32(new float[8], 4, 2));
        Path l = Files.write(dir.resolve("opt-labels.npy"), NumpyFiles.int64(new long[4]));
        assertMessage(() -> ModelOutputs.builder().build(), "outputs: must be set (setOutputs)");
        assertMessage(
                () -> ModelOutputs.builder().setOutputs(f).optLabels(l).optChunkRows(0).build(),
                "optChunkRows: must be at least 1, got 0");
        assertMessage(
                () -> ModelOutputs.builder().setOutputs(f).optLabels(l).optKind(null).build(),
                "kind: must not be null");
        assertMessage(
                () ->
                        ModelOutputs.builder()
                                .setOutputs(resource("stored.npz"))
                                .optOutputsKey("nope")
                                .build(),
                "stored.npz has no array named 'nope' (it has logits, labels)");
        try (ModelOutputs reader = ModelOutputs.builder().setOutputs(f).optLabels(l).build()) {
            assertMessage(() -> reader.range(3, 5), "range: must satisfy 0 <= from <= to <= 4");
            assertMessage(() -> reader.range(-1, 2), "got [-1, 2)");
        }
    }

    @Test
    public void chunkLargerThanOneBufferIsRefused() throws IOException {
        // A sparse file: 3,000,000 rows of 100 float32 zeros that take no disk space.
        Path sparse = dir.resolve("sparse.npy");
        byte[] header = NumpyFiles.npy("<f4", "(3000000, 100)", new byte[0]);
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.write(header);
            file.setLength(header.length + 1_200_000_000L);
        }
        Path labels = dir.resolve("sparse-labels.npy");
        byte[] labelHeader = NumpyFiles.npy("|u1", "(3000000,)", new byte[0]);
        try (RandomAccessFile file = new RandomAccessFile(labels.toFile(), "rw")) {
            file.write(labelHeader);
            file.setLength(labelHeader.length + 3_000_000L);
        }
        assertMessage(
                () ->
                        ModelOutputs.builder()
                                .setOutputs(sparse)
                                .optLabels(labels)
                                .optChunkRows(3_000_000)
                                .build(),
                "optChunkRows: 3000000 rows of 100 float64 logits exceed the 2 GB one buffer"
                        + " holds; use at most 2684354");
        try (ModelOutputs reader =
                ModelOutputs.builder().setOutputs(sparse).optLabels(labels).build()) {
            assertEquals(reader.getChunkRows(), 20_971, "16 MiB / (8 x 100) rows by default");
        }
        Files.delete(sparse);
    }

    // ------------------------------------------------------------ helpers

    /** Values, labels and chunk sizes of one pass. */
    private static final class Read {
        final List<Long> sizes = new ArrayList<>();
        double[] values = new double[0];
        long[] labels = new long[0];
    }

    private static Read read(Iterable<NDList> chunks) {
        Read read = new Read();
        for (NDList chunk : chunks) {
            try (chunk) {
                NDArray logits = chunk.get(0);
                read.sizes.add(logits.getShape().get(0));
                double[] v = logits.toDoubleArray();
                long[] l = chunk.get(1).toLongArray();
                double[] values = Arrays.copyOf(read.values, read.values.length + v.length);
                System.arraycopy(v, 0, values, read.values.length, v.length);
                long[] labels = Arrays.copyOf(read.labels, read.labels.length + l.length);
                System.arraycopy(l, 0, labels, read.labels.length, l.length);
                read.values = values;
                read.labels = labels;
            }
        }
        return read;
    }

    private static void assertBitsEqual(String name, double[] actual, double[] expected) {
        assertEquals(actual.length, expected.length, name + ": number of values");
        for (int i = 0; i < actual.length; i++) {
            assertEquals(
                    Double.doubleToLongBits(actual[i]),
                    Double.doubleToLongBits(expected[i]),
                    name + ": value " + i + " is " + actual[i] + ", expected " + expected[i]);
        }
    }

    private static void assertMessage(org.testng.Assert.ThrowingRunnable call, String text) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call);
        assertTrue(
                e.getMessage().contains(text), "message lacks '" + text + "': " + e.getMessage());
    }

    /** The magic, version 1.0 and the length of a header dictionary, then the dictionary. */
    private static String header(String dict) {
        return "\u0093NUMPY\u0001\u0000" + (char) dict.length() + "\u0000" + dict;
    }

    private Path npy(String name, String descr, String shape, int bytes) throws IOException {
        return Files.write(dir.resolve(name), NumpyFiles.npy(descr, shape, new byte[bytes]));
    }

    private Path write(String name, String content) throws IOException {
        return Files.write(dir.resolve(name), content.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Path resource(String name) {
        try {
            return Paths.get(ModelOutputsTest.class.getResource("/numpy-files/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
