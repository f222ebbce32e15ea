package io.github.tempered.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.dataset.Sampler;
import ai.djl.training.dataset.SequenceSampler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fashion-MNIST (Zalando's 28x28 grey article images in 10 classes) as DJL datasets, read from
 * local IDX files, never from the network.
 *
 * <p>Two sources:
 *
 * <ul>
 *   <li>{@link Source#FULL}: the four files {@code train-images-idx3-ubyte}, {@code
 *       train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and {@code t10k-labels-idx1-ubyte}
 *       (each gzipped, {@code .gz}, or plain) in a directory, by default {@code
 *       /usr/share/datasets/fashion-mnist} where Debian's {@code dataset-fashion-mnist} package
 *       installs them. Train is the first 50,000 images of the training file, validation its last
 *       {@value #VALIDATION_SIZE} (a fixed split: the file's order is already random, with 955 to
 *       1,050 validation images per class), test the 10,000 t10k images.
 *   <li>{@link Source#EMBEDDED}: a subset shipped in this jar, 6,000 train / 2,000 validation /
 *       2,000 test images with equal numbers per class, drawn from the full set's splits of the
 *       same name (the first images of each class in file order), with pixels quantized to 32 grey
 *       levels (no pixel moves by more than 4/255) to keep the jar small.
 * </ul>
 *
 * <p>Unless {@link Builder#optSource(Source)} says otherwise the full set is read when the
 * directory exists and the embedded subset when it does not, so a fresh machine can run the demo;
 * {@link #source()} and {@link #toString()} say which was used. A directory that exists but lacks a
 * file or holds a corrupt one is an error, not a reason to fall back.
 *
 * <p>Samples: images are float32 {@code (N, 784)} (28x28, row-major) scaled to [0, 1] by {@code x /
 * 255}, ready for an MLP; labels are int64 class indices {@code (N)} in [0, 9], named by {@link
 * #CLASS_NAMES}. (DJL's own datasets give float32 labels; Tempered's {@code CrossEntropyLoss} takes
 * either.) The pixels and labels are kept on the Java heap (55 MB for the full set); every call to
 * {@link #images}, {@link #labels} or {@link #dataset} creates new arrays on the caller's manager.
 * Instances are immutable and safe to share across threads.
 *
 * <p>DJL's basicdataset {@code FashionMnist} cannot read local files offline; {@code
 * docs/djl-notes.md} says why. This class reads the IDX files itself, with a small reader that
 * checks magic numbers, dimensions and byte counts, into {@link ArrayDataset}s.
 *
 * <h2>Example</h2>
 *
 * <pre>{@code
 * FashionMnistData data = FashionMnistData.builder().optSeed(42).build();
 * System.out.println(data); // which source, and the split sizes
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     ArrayDataset train = data.dataset(Dataset.Usage.TRAIN, manager, 128);
 *     for (Batch batch : train.getData(manager)) {
 *         try (batch) {
 *             // batch.getData().head(): (128, 784) float32; batch.getLabels().head(): (128) int64
 *         }
 *     }
 * }
 * }</pre>
 */
public final class FashionMnistData {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the four files. */
    public static final Path DEFAULT_DIRECTORY = Paths.get("/usr/share/datasets/fashion-mnist");

    /** The number of classes, 10. */
    public static final int NUM_CLASSES = 10;

    /** The height of an image in pixels, 28. */
    public static final int IMAGE_HEIGHT = 28;

    /** The width of an image in pixels, 28. */
    public static final int IMAGE_WIDTH = 28;

    /** The number of pixels of an image, the width of the image arrays, 784. */
    public static final int IMAGE_SIZE = IMAGE_HEIGHT * IMAGE_WIDTH;

    /** The number of images at the end of the full training file that form the validation set. */
    public static final int VALIDATION_SIZE = 10_000;

    /** The class names, indexed by label. */
    public static final List<String> CLASS_NAMES =
            List.of(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot");

    /** Where the images come from. */
    public enum Source {
        /** The full set, read from a directory of IDX files. */
        FULL,
        /** The subset embedded in this jar. */
        EMBEDDED
    }

    private static final Logger logger = LoggerFactory.getLogger(FashionMnistData.class);

    private static final String EMBEDDED_RESOURCE = "fashion-mnist-subset/";
    private static final int EMBEDDED_LEVELS = 32;

    private final Source source;
    private final String origin;
    private final long seed;
    private final Split train;
    private final Split validation;
    private final Split test;

    private FashionMnistData(
            Source source, String origin, long seed, Split train, Split validation, Split test) {
        this.source = source;
        this.origin = origin;
        this.seed = seed;
        this.train = train;
        this.validation = validation;
        this.test = test;
    }

    /**
     * Creates a builder.
     *
     * @return a new builder with the defaults: automatic source, {@link #DEFAULT_DIRECTORY}, seed
     *     0, no limits
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the source the images were read from.
     *
     * @return {@link Source#FULL} or {@link Source#EMBEDDED}
     */
    public Source source() {
        return source;
    }

    /**
     * Returns the number of images of a split, after any limit.
     *
     * @param usage {@code TRAIN}, {@code VALIDATION} or {@code TEST}
     * @return the number of images
     */
    public int size(Dataset.Usage usage) {
        return split(usage).count;
    }

    /**
     * Returns the class counts of a split, after any limit.
     *
     * @param usage {@code TRAIN}, {@code VALIDATION} or {@code TEST}
     * @return the number of images of each class, indexed by label
     */
    public int[] classCounts(Dataset.Usage usage) {
        int[] counts = new int[NUM_CLASSES];
        for (byte label : split(usage).labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Returns the images of a split as a new array.
     *
     * @param usage {@code TRAIN}, {@code VALIDATION} or {@code TEST}
     * @param manager the manager the result is attached to
     * @return float32 {@code (N, 784)}, values {@code x / 255} in [0, 1]
     */
    public NDArray images(Dataset.Usage usage, NDManager manager) {
        Split split = split(usage);
        return fromBytes(
                split.images,
                new Shape(split.count, IMAGE_SIZE),
                manager,
                bytes -> bytes.toType(DataType.FLOAT32, false).divi(255f));
    }

    /**
     * Returns the labels of a split as a new array.
     *
     * @param usage {@code TRAIN}, {@code VALIDATION} or {@code TEST}
     * @param manager the manager the result is attached to
     * @return int64 {@code (N)} class indices in [0, 9]
     */
    public NDArray labels(Dataset.Usage usage, NDManager manager) {
        Split split = split(usage);
        return fromBytes(
                split.labels,
                new Shape(split.count),
                manager,
                bytes -> bytes.toType(DataType.INT64, false));
    }

    /**
     * Converts bytes to an array on {@code manager}, closing the intermediate uint8 array.
     *
     * @param data the bytes
     * @param shape their shape
     * @param manager the manager the result is attached to
     * @param conversion turns the uint8 array into the result
     * @return the converted array
     */
    private static NDArray fromBytes(
            byte[] data, Shape shape, NDManager manager, UnaryOperator<NDArray> conversion) {
        requireManager(manager);
        try (NDManager scope = manager.newSubManager()) {
            NDArray bytes = scope.create(ByteBuffer.wrap(data), shape, DataType.UINT8);
            NDArray result = conversion.apply(bytes);
            result.attach(manager);
            return result;
        }
    }

    /**
     * Returns a split as a DJL dataset of (image, label) batches.
     *
     * <p>The training set is shuffled anew each epoch (each {@code getData} call), in an order that
     * depends only on the seed, not on DJL's global random state; the last batch may be smaller.
     * Validation and test batches come in file order. Batches from {@code getData(manager)} live in
     * sub-managers of that manager; close each batch when done with it.
     *
     * @param usage {@code TRAIN}, {@code VALIDATION} or {@code TEST}
     * @param manager the manager that holds the dataset's arrays (close it to free them)
     * @param batchSize the batch size, at least 1
     * @return an {@link ArrayDataset} with data {@link #images} and labels {@link #labels}
     */
    public ArrayDataset dataset(Dataset.Usage usage, NDManager manager, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        split(usage);
        requireManager(manager);
        Sampler.SubSampler order =
                usage == Dataset.Usage.TRAIN ? new SeededShuffle(seed) : new SequenceSampler();
        return new ArrayDataset.Builder()
                .setData(images(usage, manager))
                .optLabels(labels(usage, manager))
                .setSampling(new BatchSampler(order, batchSize, false))
                .build();
    }

    /**
     * Describes the data: the source (the directory, or why the embedded subset was used) and the
     * split sizes.
     *
     * @return e.g. {@code "Fashion-MNIST full set from /usr/share/datasets/fashion-mnist: train
     *     50000, validation 10000, test 10000"}
     */
    @Override
    public String toString() {
        return "Fashion-MNIST "
                + origin
                + ": train "
                + train.count
                + ", validation "
                + validation.count
                + ", test "
                + test.count;
    }

    private Split split(Dataset.Usage usage) {
        if (usage == null) {
            throw new IllegalArgumentException("usage must be TRAIN, VALIDATION or TEST, got null");
        }
        switch (usage) {
            case TRAIN:
                return train;
            case VALIDATION:
                return validation;
            case TEST:
                return test;
            default:
                throw new IllegalArgumentException(
                        "usage must be TRAIN, VALIDATION or TEST, got " + usage);
        }
    }

    private static void requireManager(NDManager manager) {
        if (manager == null) {
            throw new IllegalArgumentException("manager must not be null");
        }
    }

    /** Images and labels of one split, as bytes. */
    private static final class Split {
        final int count;
        final byte[] images;
        final byte[] labels;

        Split(int count, byte[] images, byte[] labels) {
            this.count = count;
            this.images = images;
            this.labels = labels;
        }

        /** Returns the first {@code n} images (all if there are fewer). */
        Split limit(int n) {
            if (n >= count) {
                return this;
            }
            return new Split(n, Arrays.copyOf(images, n * IMAGE_SIZE), Arrays.copyOf(labels, n));
        }

        /** Returns images {@code [from, to)}. */
        Split range(int from, int to) {
            return new Split(
                    to - from,
                    Arrays.copyOfRange(images, from * IMAGE_SIZE, to * IMAGE_SIZE),
                    Arrays.copyOfRange(labels, from, to));
        }
    }

    /** Builds a {@link FashionMnistData}; {@link #build()} reads the files. */
    public static final class Builder {

        private Path directory = DEFAULT_DIRECTORY;
        private Source source;
        private long seed;
        private int trainLimit = Integer.MAX_VALUE;
        private int validationLimit = Integer.MAX_VALUE;
        private int testLimit = Integer.MAX_VALUE;

        private Builder() {}

        /**
         * Sets the directory of the full set's IDX files.
         *
         * @param directory the directory; default {@link #DEFAULT_DIRECTORY}
         * @return this builder
         */
        public Builder optDirectory(Path directory) {
            if (directory == null) {
                throw new IllegalArgumentException("directory must not be null");
            }
            this.directory = directory;
            return this;
        }

        /**
         * Chooses the source instead of deciding by whether the directory exists.
         *
         * @param source {@link Source#FULL} to require the directory, {@link Source#EMBEDDED} to
         *     use the embedded subset even when the directory exists
         * @return this builder
         */
        public Builder optSource(Source source) {
            if (source == null) {
                throw new IllegalArgumentException("source must be FULL or EMBEDDED, got null");
            }
            this.source = source;
            return this;
        }

        /**
         * Sets the seed of the training set's shuffle.
         *
         * @param seed any value; default 0
         * @return this builder
         */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Keeps only the first images of each split (in file order, which is random with respect to
         * class), e.g. for a quick run.
         *
         * @param train the most training images, at least 1
         * @param validation the most validation images, at least 1
         * @param test the most test images, at least 1
         * @return this builder
         */
        public Builder optLimit(int train, int validation, int test) {
            checkLimit("train", train);
            checkLimit("validation", validation);
            checkLimit("test", test);
            this.trainLimit = train;
            this.validationLimit = validation;
            this.testLimit = test;
            return this;
        }

        /**
         * Reads the images.
         *
         * @return the data
         * @throws NoSuchFileException if the source is {@link Source#FULL} and the directory or one
         *     of its four files is missing (with an automatic source: if the directory exists but a
         *     file is missing)
         * @throws IdxFormatException if a file is corrupt, truncated, not 28x28 8-bit images, has
         *     labels outside [0, 9], disagrees with its partner on the count, or the training file
         *     has no more than {@link #VALIDATION_SIZE} images
         * @throws IOException if reading fails otherwise
         */
        public FashionMnistData build() throws IOException {
            long start = System.nanoTime();
            Source chosen = source;
            String why = "";
            if (chosen == null) {
                chosen = Files.isDirectory(directory) ? Source.FULL : Source.EMBEDDED;
                why = "; " + directory + " absent";
            } else if (chosen == Source.FULL && !Files.isDirectory(directory)) {
                throw new NoSuchFileException(
                        directory.toString(), null, "Fashion-MNIST directory not found");
            }
            FashionMnistData data;
            if (chosen == Source.FULL) {
                Split full = readDirectory("train");
                if (full.count <= VALIDATION_SIZE) {
                    throw new IdxFormatException(
                            find("train-images-idx3-ubyte").toString(),
                            "has "
                                    + full.count
                                    + " images; the validation split takes the last "
                                    + VALIDATION_SIZE
                                    + ", so more are needed");
                }
                int cut = full.count - VALIDATION_SIZE;
                data =
                        new FashionMnistData(
                                Source.FULL,
                                "full set from " + directory,
                                seed,
                                full.range(0, cut).limit(trainLimit),
                                full.range(cut, full.count).limit(validationLimit),
                                readDirectory("t10k").limit(testLimit));
            } else {
                data =
                        new FashionMnistData(
                                Source.EMBEDDED,
                                "embedded subset (" + EMBEDDED_LEVELS + " grey levels" + why + ")",
                                seed,
                                readEmbedded("train").limit(trainLimit),
                                readEmbedded("validation").limit(validationLimit),
                                readEmbedded("test").limit(testLimit));
            }
            logger.info("Read {} in {} ms", data, (System.nanoTime() - start) / 1_000_000);
            return data;
        }

        private static void checkLimit(String name, int limit) {
            if (limit < 1) {
                throw new IllegalArgumentException(
                        name + " limit must be at least 1, got " + limit);
            }
        }

        private Path find(String base) throws NoSuchFileException {
            Path gz = directory.resolve(base + ".gz");
            if (Files.isRegularFile(gz)) {
                return gz;
            }
            Path plain = directory.resolve(base);
            if (Files.isRegularFile(plain)) {
                return plain;
            }
            throw new NoSuchFileException(
                    gz.toString(), null, "Fashion-MNIST file missing (nor is there " + plain + ")");
        }

        private Split readDirectory(String prefix) throws IOException {
            Path images = find(prefix + "-images-idx3-ubyte");
            Path labels = find(prefix + "-labels-idx1-ubyte");
            try (InputStream imageStream = Files.newInputStream(images);
                    InputStream labelStream = Files.newInputStream(labels)) {
                return readPair(imageStream, images.toString(), labelStream, labels.toString());
            }
        }

        private static Split readEmbedded(String prefix) throws IOException {
            String images = EMBEDDED_RESOURCE + prefix + "-images-idx3-ubyte.gz";
            String labels = EMBEDDED_RESOURCE + prefix + "-labels-idx1-ubyte.gz";
            try (InputStream imageStream = resource(images);
                    InputStream labelStream = resource(labels)) {
                return readPair(imageStream, images, labelStream, labels);
            }
        }

        private static InputStream resource(String name) throws IOException {
            InputStream in = FashionMnistData.class.getResourceAsStream(name);
            if (in == null) {
                throw new NoSuchFileException(
                        name, null, "embedded Fashion-MNIST resource missing from the classpath");
            }
            return in;
        }

        private static Split readPair(
                InputStream imageStream,
                String imageFile,
                InputStream labelStream,
                String labelFile)
                throws IOException {
            IdxReader.Idx images = IdxReader.read(imageStream, imageFile, 3);
            int[] dims = images.dimensions();
            if (dims[1] != IMAGE_HEIGHT || dims[2] != IMAGE_WIDTH) {
                throw new IdxFormatException(
                        imageFile,
                        "images are "
                                + dims[1]
                                + "x"
                                + dims[2]
                                + ", expected "
                                + IMAGE_HEIGHT
                                + "x"
                                + IMAGE_WIDTH);
            }
            if (dims[0] == 0) {
                throw new IdxFormatException(imageFile, "has no images");
            }
            IdxReader.Idx labels = IdxReader.read(labelStream, labelFile, 1);
            int count = labels.dimensions()[0];
            if (count != dims[0]) {
                throw new IdxFormatException(
                        imageFile,
                        "has "
                                + dims[0]
                                + " images but "
                                + labelFile
                                + " has "
                                + count
                                + " labels");
            }
            byte[] values = labels.data();
            for (int i = 0; i < count; i++) {
                if ((values[i] & 0xff) >= NUM_CLASSES) {
                    throw new IdxFormatException(
                            labelFile,
                            "label "
                                    + (values[i] & 0xff)
                                    + " at index "
                                    + i
                                    + " is outside [0, "
                                    + (NUM_CLASSES - 1)
                                    + "]");
                }
            }
            return new Split(count, images.data(), values);
        }
    }
}
