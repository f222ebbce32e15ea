package io.github.tempered.data;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertNotEquals;
import static org.testng.Assert.assertTrue;
import static org.testng.Assert.expectThrows;
import static org.testng.Assert.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset.Usage;
import ai.djl.translate.TranslateException;
import com.google.gson.JsonObject;
import io.github.tempered.data.FashionMnistData.Source;
import io.github.tempered.testing.Fixtures;
import java.io.IOException;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.testng.SkipException;
import org.testng.annotations.AfterClass;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/**
 * {@link FashionMnistData}: the full set against NumPy's reading of the Debian files (skipped when
 * they are not installed), the embedded subset (always), the split rules, batches, errors on
 * corrupt files, and that nothing touches the network.
 */
public class FashionMnistDataTest {

    private static final List<JsonObject> CASES = Fixtures.cases("fashion_mnist.json");
    private static final Usage[] USAGES = {Usage.TRAIN, Usage.VALIDATION, Usage.TEST};

    private NDManager manager;
    private FashionMnistData embedded;
    private FashionMnistData full;
    private Path tmp;

    @BeforeClass
    public void setUp() throws IOException {
        System.setProperty("ai.djl.offline", "true");
        manager = NDManager.newBaseManager();
        embedded = FashionMnistData.builder().optSource(Source.EMBEDDED).build();
        tmp = Files.createTempDirectory("fashion-mnist-test");
    }

    @AfterClass(alwaysRun = true)
    public void tearDown() throws IOException {
        manager.close();
        if (tmp != null) {
            try (var paths = Files.walk(tmp)) {
                for (Path p : paths.sorted((a, b) -> b.compareTo(a)).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** Returns the full set read once from the Debian directory, or skips the test. */
    private FashionMnistData fullOrSkip() throws IOException {
        if (!Files.isDirectory(FashionMnistData.DEFAULT_DIRECTORY)) {
            throw new SkipException(
                    "Fashion-MNIST is not installed in "
                            + FashionMnistData.DEFAULT_DIRECTORY
                            + " (apt-get install dataset-fashion-mnist); CI installs it");
        }
        if (full == null) {
            full = FashionMnistData.builder().optSource(Source.FULL).build();
        }
        return full;
    }

    private static Usage usage(String split) {
        switch (split) {
            case "train":
                return Usage.TRAIN;
            case "validation":
                return Usage.VALIDATION;
            case "test":
                return Usage.TEST;
            default:
                throw new IllegalArgumentException(split);
        }
    }

    /** The images of a split as bytes, {@code round(x * 255)}, checking the [0, 1] range. */
    private byte[] imageBytes(FashionMnistData data, Usage usage) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = data.images(usage, scope);
            assertEquals(x.getShape(), new Shape(data.size(usage), 784), usage + " image shape");
            assertEquals(x.getDataType(), DataType.FLOAT32, usage + " image dtype");
            float min = x.min().getFloat();
            float max = x.max().getFloat();
            assertTrue(min >= 0f && max <= 1f, usage + " pixel range [" + min + ", " + max + "]");
            NDArray back = x.mul(255f);
            NDArray rounded = back.round();
            float offGrid = back.sub(rounded).abs().max().getFloat();
            assertTrue(offGrid < 1e-4f, usage + ": x * 255 is off integers by " + offGrid);
            return rounded.toType(DataType.UINT8, false).toByteArray();
        }
    }

    private long[] labelValues(FashionMnistData data, Usage usage) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray y = data.labels(usage, scope);
            assertEquals(y.getShape(), new Shape(data.size(usage)), usage + " label shape");
            assertEquals(y.getDataType(), DataType.INT64, usage + " label dtype");
            return y.toLongArray();
        }
    }

    private static String sha256(byte[] bytes, int from, int to) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, from, to - from);
            StringBuilder hex = new StringBuilder();
            for (byte b : md.digest()) {
                hex.append(String.format("%02x", b));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Compares one split with the NumPy fixture case of the same name. */
    private void assertMatchesFixture(FashionMnistData data, String name) {
        JsonObject c =
                CASES.stream()
                        .filter(x -> x.get("name").getAsString().equals(name))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no fixture " + name));
        Usage usage = usage(name.substring(name.indexOf('/') + 1));
        int n = c.get("count").getAsInt();
        assertEquals(data.size(usage), n, name + " size");
        long[] expectedCounts = Fixtures.longs(c.getAsJsonArray("class_counts"));
        int[] counts = data.classCounts(usage);
        assertEquals(
                Arrays.stream(counts).asLongStream().toArray(), expectedCounts, name + " classes");

        byte[] pixels = imageBytes(data, usage);
        long sum = 0;
        for (byte p : pixels) {
            sum += p & 0xff;
        }
        assertEquals(sum, c.get("pixel_sum").getAsLong(), name + " pixel sum");

        long[] labels = labelValues(data, usage);
        long[] histogram = new long[10];
        for (long l : labels) {
            assertTrue(l >= 0 && l < 10, name + " label " + l + " outside [0, 9]");
            histogram[(int) l]++;
        }
        assertEquals(histogram, expectedCounts, name + " label histogram");
        long[] first = Fixtures.longs(c.getAsJsonArray("first_labels"));
        assertEquals(Arrays.copyOf(labels, first.length), first, name + " first labels");

        for (Map.Entry<String, ?> e : c.getAsJsonObject("image_sha256").entrySet()) {
            int i = Integer.parseInt(e.getKey());
            String expected = c.getAsJsonObject("image_sha256").get(e.getKey()).getAsString();
            assertEquals(
                    sha256(pixels, i * 784, (i + 1) * 784),
                    expected,
                    name + " SHA-256 of image " + i);
        }
    }

    @DataProvider(name = "splits")
    public static Object[][] splits() {
        return new Object[][] {{"train"}, {"validation"}, {"test"}};
    }

    @Test(dataProvider = "splits")
    public void fullSetMatchesNumPy(String split) throws IOException {
        FashionMnistData data = fullOrSkip();
        assertEquals(data.source(), Source.FULL);
        assertMatchesFixture(data, "full/" + split);
    }

    @Test
    public void fullSetHasFashionMnistSizesAndBalance() throws IOException {
        FashionMnistData data = fullOrSkip();
        assertEquals(data.size(Usage.TRAIN), 50_000, "train size");
        assertEquals(data.size(Usage.VALIDATION), FashionMnistData.VALIDATION_SIZE, "validation");
        assertEquals(data.size(Usage.TEST), 10_000, "test size");
        int[] train = data.classCounts(Usage.TRAIN);
        int[] validation = data.classCounts(Usage.VALIDATION);
        int[] test = data.classCounts(Usage.TEST);
        for (int k = 0; k < 10; k++) {
            assertEquals(train[k] + validation[k], 6_000, "training file, class " + k);
            assertEquals(test[k], 1_000, "test, class " + k);
            assertTrue(
                    validation[k] >= 900 && validation[k] <= 1_100,
                    "validation class " + k + " has " + validation[k]);
        }
        assertEquals(
                data.toString(),
                "Fashion-MNIST full set from /usr/share/datasets/fashion-mnist:"
                        + " train 50000, validation 10000, test 10000");
    }

    @Test(dataProvider = "splits")
    public void embeddedSubsetMatchesNumPy(String split) {
        assertEquals(embedded.source(), Source.EMBEDDED);
        assertMatchesFixture(embedded, "embedded/" + split);
    }

    @Test
    public void embeddedSubsetIsBalancedOn32GreyLevels() {
        int[] sizes = {6_000, 2_000, 2_000};
        Set<Integer> levels = new HashSet<>();
        for (int q = 0; q < 32; q++) {
            levels.add((2 * q * 255 + 31) / 62);
        }
        for (int s = 0; s < USAGES.length; s++) {
            Usage usage = USAGES[s];
            assertEquals(embedded.size(usage), sizes[s], usage + " size");
            for (int k = 0; k < 10; k++) {
                assertEquals(embedded.classCounts(usage)[k], sizes[s] / 10, usage + " class " + k);
            }
            Set<Integer> seen = new HashSet<>();
            for (byte p : imageBytes(embedded, usage)) {
                seen.add(p & 0xff);
            }
            assertTrue(levels.containsAll(seen), usage + " grey values " + seen);
            assertTrue(seen.size() > 20, usage + " uses only " + seen.size() + " grey levels");
        }
        assertEquals(
                embedded.toString(),
                "Fashion-MNIST embedded subset (32 grey levels): train 6000, validation 2000,"
                        + " test 2000");
    }

    /** The tool's quantization: round(x * 31 / 255), stored as round(q * 255 / 31). */
    private static int quantize(int x) {
        int q = (2 * x * 31 + 255) / 510;
        return (2 * q * 255 + 31) / 62;
    }

    @Test(dataProvider = "splits")
    public void embeddedSplitIsSubsequenceOfFullSplit(String split) throws IOException {
        FashionMnistData data = fullOrSkip();
        Usage usage = usage(split);
        byte[] fullPixels = imageBytes(data, usage);
        long[] fullLabels = labelValues(data, usage);
        byte[] subPixels = imageBytes(embedded, usage);
        long[] subLabels = labelValues(embedded, usage);
        byte[] quantized = new byte[fullPixels.length];
        for (int i = 0; i < quantized.length; i++) {
            quantized[i] = (byte) quantize(fullPixels[i] & 0xff);
        }
        int j = 0;
        for (int i = 0; i < subLabels.length; i++) {
            while (j < fullLabels.length
                    && !(fullLabels[j] == subLabels[i]
                            && Arrays.equals(
                                    quantized,
                                    j * 784,
                                    (j + 1) * 784,
                                    subPixels,
                                    i * 784,
                                    (i + 1) * 784))) {
                j++;
            }
            if (j == fullLabels.length) {
                fail(split + ": embedded image " + i + " is not in the full split (in order)");
            }
            j++;
        }
    }

    @Test
    public void absentDirectoryFallsBackToEmbedded() throws IOException {
        Path absent = tmp.resolve("not-there");
        FashionMnistData data = FashionMnistData.builder().optDirectory(absent).build();
        assertEquals(data.source(), Source.EMBEDDED);
        assertEquals(data.size(Usage.TRAIN), 6_000);
        assertTrue(
                data.toString().contains("32 grey levels; " + absent + " absent"), data.toString());
    }

    @Test
    public void fullSourceRequiresTheDirectory() {
        Path absent = tmp.resolve("not-there-either");
        NoSuchFileException e =
                expectThrows(
                        NoSuchFileException.class,
                        () ->
                                FashionMnistData.builder()
                                        .optDirectory(absent)
                                        .optSource(Source.FULL)
                                        .build());
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }

    // ---------------------------------------------------------------- synthetic directories

    private static final int SYNTH_TRAIN = FashionMnistData.VALIDATION_SIZE + 12;
    private static final int SYNTH_TEST = 7;

    /**
     * Writes a small Fashion-MNIST-shaped directory: labels {@code i % 10}, pixels that differ
     * between images and files (and compress fast).
     */
    private Path synthetic(String name, boolean gzip) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        for (String prefix : new String[] {"train", "t10k"}) {
            int n = prefix.equals("train") ? SYNTH_TRAIN : SYNTH_TEST;
            int salt = prefix.length();
            byte[] pixels = new byte[n * 784];
            for (int k = 0; k < pixels.length; k++) {
                int image = k / 784;
                pixels[k] = (byte) (image * 7 + (k % 784) * salt + image / 256);
            }
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % 10);
            }
            write(dir, prefix + "-images-idx3-ubyte", gzip, 0x0803, new int[] {n, 28, 28}, pixels);
            write(dir, prefix + "-labels-idx1-ubyte", gzip, 0x0801, new int[] {n}, labels);
        }
        return dir;
    }

    private static void write(Path dir, String base, boolean gzip, int magic, int[] dims, byte[] d)
            throws IOException {
        byte[] bytes = IdxReaderTest.idx(magic, dims, d);
        if (gzip) {
            Files.write(dir.resolve(base + ".gz"), IdxReaderTest.gzip(bytes));
        } else {
            Files.write(dir.resolve(base), bytes);
        }
    }

    private static byte[] rawIdxData(Path file, int headerBytes) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        return Arrays.copyOfRange(bytes, headerBytes, bytes.length);
    }

    @DataProvider(name = "compression")
    public static Object[][] compression() {
        return new Object[][] {{true}, {false}};
    }

    @Test(dataProvider = "compression")
    public void splitsTheTrainingFileAtTheLast10000(boolean gzip) throws IOException {
        Path dir = synthetic("split-" + gzip, gzip);
        FashionMnistData data = FashionMnistData.builder().optDirectory(dir).build();
        assertEquals(data.source(), Source.FULL);
        assertEquals(data.size(Usage.TRAIN), 12);
        assertEquals(data.size(Usage.VALIDATION), 10_000);
        assertEquals(data.size(Usage.TEST), SYNTH_TEST);

        byte[] trainFile = gzip ? null : rawIdxData(dir.resolve("train-images-idx3-ubyte"), 16);
        byte[] train = imageBytes(data, Usage.TRAIN);
        byte[] validation = imageBytes(data, Usage.VALIDATION);
        long[] validationLabels = labelValues(data, Usage.VALIDATION);
        assertEquals(
                labelValues(data, Usage.TRAIN), new long[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1});
        assertEquals(validationLabels[0], 2L, "first validation label (image 12)");
        if (trainFile != null) {
            assertEquals(train, Arrays.copyOf(trainFile, 12 * 784), "train = first 12 images");
            assertEquals(
                    validation,
                    Arrays.copyOfRange(trainFile, 12 * 784, trainFile.length),
                    "validation = last 10000 images");
            assertEquals(
                    imageBytes(data, Usage.TEST),
                    rawIdxData(dir.resolve("t10k-images-idx3-ubyte"), 16),
                    "test = t10k");
        }
        // x / 255 exactly, in float32.
        try (NDManager scope = manager.newSubManager()) {
            float[] x = data.images(Usage.TRAIN, scope).toFloatArray();
            for (int i = 0; i < x.length; i++) {
                if (x[i] != (train[i] & 0xff) / 255f) {
                    fail("pixel " + i + ": expected " + (train[i] & 0xff) / 255f + ", got " + x[i]);
                }
            }
        }
    }

    @Test
    public void explicitEmbeddedIgnoresAnExistingDirectory() throws IOException {
        Path dir = synthetic("ignored", true);
        FashionMnistData data =
                FashionMnistData.builder().optDirectory(dir).optSource(Source.EMBEDDED).build();
        assertEquals(data.source(), Source.EMBEDDED);
        assertEquals(data.size(Usage.TEST), 2_000);
    }

    private void assertCorrupt(Path dir, String file, String fragment) {
        IdxFormatException e =
                expectThrows(
                        IdxFormatException.class,
                        () -> FashionMnistData.builder().optDirectory(dir).build());
        assertEquals(e.getFile(), dir.resolve(file).toString(), "file named by: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e);
    }

    @Test
    public void wrongMagicNamesTheFile() throws IOException {
        Path dir = synthetic("magic", true);
        write(dir, "t10k-labels-idx1-ubyte", true, 0x0803, new int[] {SYNTH_TEST}, new byte[7]);
        assertCorrupt(dir, "t10k-labels-idx1-ubyte.gz", "magic number 0x00000803");
    }

    @Test
    public void truncatedGzipNamesTheFile() throws IOException {
        Path dir = synthetic("truncated", true);
        Path file = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
        assertCorrupt(dir, "train-images-idx3-ubyte.gz", "corrupt or truncated gzip data");
    }

    @Test
    public void corruptBytesNameTheFile() throws IOException {
        Path dir = synthetic("flipped", true);
        Path file = dir.resolve("t10k-images-idx3-ubyte.gz");
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 20; i < bytes.length - 8; i += 97) {
            bytes[i] ^= 0x5a;
        }
        Files.write(file, bytes);
        // Depending on where the damage lands, inflating fails or yields a nonsensical header.
        assertCorrupt(dir, "t10k-images-idx3-ubyte.gz", "");
    }

    @Test
    public void countMismatchNamesBothFiles() throws IOException {
        Path dir = synthetic("mismatch", false);
        write(dir, "t10k-labels-idx1-ubyte", false, 0x0801, new int[] {6}, new byte[6]);
        assertCorrupt(
                dir,
                "t10k-images-idx3-ubyte",
                "has 7 images but " + dir.resolve("t10k-labels-idx1-ubyte") + " has 6 labels");
    }

    @Test
    public void labelOutsideTheClassesNamesTheFile() throws IOException {
        Path dir = synthetic("label", true);
        byte[] labels = {0, 1, 2, 10, 4, 5, 6};
        write(dir, "t10k-labels-idx1-ubyte", true, 0x0801, new int[] {7}, labels);
        assertCorrupt(dir, "t10k-labels-idx1-ubyte.gz", "label 10 at index 3 is outside [0, 9]");
    }

    @Test
    public void otherImageSizesAreRejected() throws IOException {
        Path dir = synthetic("size", true);
        write(dir, "t10k-images-idx3-ubyte", true, 0x0803, new int[] {7, 32, 32}, new byte[7168]);
        assertCorrupt(dir, "t10k-images-idx3-ubyte.gz", "images are 32x32, expected 28x28");
    }

    @Test
    public void tooSmallTrainingFileIsRejected() throws IOException {
        Path dir = synthetic("small", true);
        int n = FashionMnistData.VALIDATION_SIZE;
        write(
                dir,
                "train-images-idx3-ubyte",
                true,
                0x0803,
                new int[] {n, 28, 28},
                new byte[n * 784]);
        write(dir, "train-labels-idx1-ubyte", true, 0x0801, new int[] {n}, new byte[n]);
        assertCorrupt(dir, "train-images-idx3-ubyte.gz", "has 10000 images");
    }

    @Test
    public void missingFileInExistingDirectoryIsAnError() throws IOException {
        Path dir = synthetic("missing", true);
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        NoSuchFileException e =
                expectThrows(
                        NoSuchFileException.class,
                        () -> FashionMnistData.builder().optDirectory(dir).build());
        assertEquals(e.getFile(), dir.resolve("t10k-labels-idx1-ubyte.gz").toString());
        assertTrue(e.getMessage().contains("t10k-labels-idx1-ubyte"), e.getMessage());
    }

    // ---------------------------------------------------------------- datasets and batches

    /** Runs one epoch, closing each batch; returns the sample indices in order. */
    private static List<Long> epoch(ArrayDataset dataset, NDManager manager, int batchSize)
            throws IOException, TranslateException {
        List<Long> order = new ArrayList<>();
        long size = dataset.size();
        for (Batch batch : dataset.getData(manager)) {
            try (batch) {
                NDArray x = batch.getData().head();
                NDArray y = batch.getLabels().head();
                int expected = (int) Math.min(batchSize, size - order.size());
                assertEquals(x.getShape(), new Shape(expected, 784), "batch data shape");
                assertEquals(x.getDataType(), DataType.FLOAT32, "batch data dtype");
                assertEquals(y.getShape(), new Shape(expected), "batch label shape");
                assertEquals(y.getDataType(), DataType.INT64, "batch label dtype");
                for (Object index : batch.getIndices()) {
                    order.add((Long) index);
                }
            }
        }
        return order;
    }

    @Test
    public void trainEpochVisitsEveryImageOnceInBatches() throws Exception {
        try (NDManager scope = manager.newSubManager()) {
            ArrayDataset train = embedded.dataset(Usage.TRAIN, scope, 128);
            assertEquals(train.size(), 6_000L);
            List<Long> order = epoch(train, scope, 128);
            assertEquals(order.size(), 6_000, "images per epoch");
            assertEquals(new HashSet<>(order).size(), 6_000, "distinct images per epoch");
            assertNotEquals(order.subList(0, 10), List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L));

            // A batch holds exactly the images and labels at its indices.
            NDArray images = embedded.images(Usage.TRAIN, scope);
            NDArray labels = embedded.labels(Usage.TRAIN, scope);
            for (Batch batch : train.getData(scope)) {
                try (batch) {
                    long[] idx = batch.getIndices().stream().mapToLong(i -> (Long) i).toArray();
                    try (NDArray index = scope.create(idx)) {
                        NDArray expected = images.get(new NDIndex("{}", index));
                        assertEquals(
                                batch.getData().head().toFloatArray(),
                                expected.toFloatArray(),
                                "batch images");
                        expected.close();
                        NDArray expectedLabels = labels.get(new NDIndex("{}", index));
                        assertEquals(
                                batch.getLabels().head().toLongArray(),
                                expectedLabels.toLongArray(),
                                "batch labels");
                        expectedLabels.close();
                    }
                }
                break;
            }
        }
    }

    @Test
    public void validationAndTestBatchesComeInFileOrder() throws Exception {
        try (NDManager scope = manager.newSubManager()) {
            for (Usage usage : new Usage[] {Usage.VALIDATION, Usage.TEST}) {
                List<Long> order = epoch(embedded.dataset(usage, scope, 300), scope, 300);
                for (int i = 0; i < order.size(); i++) {
                    assertEquals((long) order.get(i), i, usage + " position " + i);
                }
                assertEquals(order.size(), 2_000, usage + " size");
            }
        }
    }

    @Test
    public void shuffleDependsOnlyOnTheSeed() throws Exception {
        FashionMnistData seven =
                FashionMnistData.builder().optSource(Source.EMBEDDED).optSeed(7).build();
        FashionMnistData eight =
                FashionMnistData.builder().optSource(Source.EMBEDDED).optSeed(8).build();
        try (NDManager scope = manager.newSubManager()) {
            Engine.getInstance().setRandomSeed(1);
            ArrayDataset a = seven.dataset(Usage.TRAIN, scope, 2000);
            List<Long> a1 = epoch(a, scope, 2000);
            List<Long> a2 = epoch(a, scope, 2000);
            Engine.getInstance().setRandomSeed(2);
            ArrayDataset b = seven.dataset(Usage.TRAIN, scope, 2000);
            assertEquals(epoch(b, scope, 2000), a1, "same seed, epoch 1");
            assertEquals(epoch(b, scope, 2000), a2, "same seed, epoch 2");
            assertNotEquals(a2, a1, "epochs are reshuffled");
            assertNotEquals(epoch(eight.dataset(Usage.TRAIN, scope, 2000), scope, 2000), a1);
        }
    }

    @Test
    public void epochsAndRepeatedCallsDoNotLeakArrays() throws Exception {
        try (NDManager scope = manager.newSubManager()) {
            ArrayDataset test = embedded.dataset(Usage.TEST, scope, 64);
            int before = scope.getManagedArrays().size();
            assertEquals(before, 2, "the dataset holds its images and labels");
            for (int e = 0; e < 3; e++) {
                epoch(test, scope, 64);
            }
            assertEquals(scope.getManagedArrays().size(), before, "arrays after 3 epochs");
            for (int i = 0; i < 50; i++) {
                embedded.images(Usage.VALIDATION, scope).close();
                embedded.labels(Usage.VALIDATION, scope).close();
                assertEquals(scope.getManagedArrays().size(), before, "arrays after call " + i);
            }
        }
    }

    @Test
    public void limitKeepsTheFirstImagesOfEachSplit() throws IOException {
        FashionMnistData small =
                FashionMnistData.builder()
                        .optSource(Source.EMBEDDED)
                        .optLimit(100, 50, 30_000)
                        .build();
        assertEquals(small.size(Usage.TRAIN), 100);
        assertEquals(small.size(Usage.VALIDATION), 50);
        assertEquals(small.size(Usage.TEST), 2_000, "a limit above the size keeps all");
        assertEquals(
                imageBytes(small, Usage.TRAIN),
                Arrays.copyOf(imageBytes(embedded, Usage.TRAIN), 100 * 784));
        assertEquals(
                labelValues(small, Usage.VALIDATION),
                Arrays.copyOf(labelValues(embedded, Usage.VALIDATION), 50));
        assertTrue(
                small.toString().endsWith("train 100, validation 50, test 2000"), small.toString());
    }

    // ---------------------------------------------------------------- arguments

    private static void assertIae(Runnable call, String... fragments) {
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, call::run);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        }
    }

    @Test
    public void badArgumentsAreRejectedWithTheirNames() {
        FashionMnistData.Builder b = FashionMnistData.builder();
        assertIae(() -> b.optLimit(0, 1, 1), "train limit", "got 0");
        assertIae(() -> b.optLimit(1, -3, 1), "validation limit", "got -3");
        assertIae(() -> b.optLimit(1, 1, 0), "test limit", "got 0");
        assertIae(() -> b.optDirectory(null), "directory");
        assertIae(() -> b.optSource(null), "source");
        try (NDManager scope = manager.newSubManager()) {
            assertIae(() -> embedded.dataset(Usage.TRAIN, scope, 0), "batchSize", "got 0");
            assertIae(() -> embedded.dataset(null, scope, 8), "usage", "got null");
            assertIae(() -> embedded.images(null, scope), "usage");
            assertIae(() -> embedded.labels(Usage.TEST, null), "manager");
            assertIae(() -> embedded.size(null), "usage");
            assertEquals(scope.getManagedArrays().size(), 0, "nothing created on bad input");
        }
    }

    @Test
    public void classNamesFollowTheLabels() {
        List<String> names = FashionMnistData.CLASS_NAMES;
        assertEquals(names.size(), FashionMnistData.NUM_CLASSES);
        assertEquals(new HashSet<>(names).size(), 10, "distinct names " + names);
        assertEquals(names.get(0), "T-shirt/top");
        assertEquals(names.get(9), "Ankle boot");
        expectThrows(UnsupportedOperationException.class, () -> names.set(0, "x"));
    }

    // ---------------------------------------------------------------- offline

    /** Records every attempt to open a URL or socket connection. */
    private static final class RecordingProxySelector extends ProxySelector {
        final List<URI> attempts = new ArrayList<>();

        @Override
        public synchronized List<Proxy> select(URI uri) {
            attempts.add(uri);
            throw new IllegalStateException("network access attempted: " + uri);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {}
    }

    @Test
    public void worksOfflineWithoutNetworkAccess() throws Exception {
        assertEquals(System.getProperty("ai.djl.offline"), "true");
        ProxySelector previous = ProxySelector.getDefault();
        RecordingProxySelector recorder = new RecordingProxySelector();
        ProxySelector.setDefault(recorder);
        try {
            FashionMnistData auto = FashionMnistData.builder().build();
            FashionMnistData subset =
                    FashionMnistData.builder().optSource(Source.EMBEDDED).optSeed(3).build();
            try (NDManager scope = manager.newSubManager()) {
                for (FashionMnistData data : new FashionMnistData[] {auto, subset}) {
                    for (Usage usage : USAGES) {
                        ArrayDataset dataset = data.dataset(usage, scope, 1000);
                        Batch batch = dataset.getData(scope).iterator().next();
                        assertEquals(batch.getSize(), 1000, usage + " batch size");
                        batch.close();
                    }
                }
            }
        } finally {
            ProxySelector.setDefault(previous);
        }
        assertEquals(recorder.attempts, List.of(), "network access attempts");
    }

    @Test
    public void fixturesCoverAllSplits() {
        assertEquals(CASES.size(), 6, "fixture cases");
    }
}
