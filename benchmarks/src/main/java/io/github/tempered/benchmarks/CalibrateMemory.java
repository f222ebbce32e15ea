package io.github.tempered.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Peak resident memory and speed of {@code tempered calibrate} on a large {@code .npy}, streamed,
 * against the in-memory command on a smaller one, back to back in one session (Linux; not a JMH
 * benchmark, and not a unit test).
 *
 * <p>It writes, under {@code --dir} (default {@code /tmp/tempered-calibrate-bench}), float32 logits
 * {@code (rows, 100)} generated at temperature 2.5 (each row {@code u ~ N(0, 2^2)} per class, the
 * label drawn from {@code softmax(u)}, the file holding {@code 2.5 u}; the fit should find {@code T
 * ~ 2.5}) and int64 labels: {@code big.npy} with {@code --rows} rows (default 4,000,000: 1.6 GB)
 * and {@code base.npy} with the first {@code --baseline-rows} of them (default 1,000,000). Then,
 * one after the other, each in a fresh JVM under GNU {@code /usr/bin/time} (peak RSS = its {@code
 * %M}):
 *
 * <ol>
 *   <li>{@code baseline}: the in-memory command ({@code --baseline-cp}, e.g. commit 1bd5fc8's
 *       classes) on {@code base.npy}, with the JVM's default heap;
 *   <li>{@code streamed}: the command under test ({@code --cp}) on {@code big.npy} under {@code
 *       -Xmx512m};
 *   <li>{@code streamed-1M}: the command under test on {@code base.npy} under {@code -Xmx512m}.
 * </ol>
 *
 * each {@code calibrate FILE --labels LABELS --fit-fraction 0.5}. It prints a Markdown table with
 * the wall time, seconds per million rows, CPU time, peak RSS and the fitted T, and deletes the
 * files unless {@code --keep}. {@code benchmarks/calibrate-memory.sh} builds both classpaths and
 * runs it; see {@code benchmarks/RESULTS.md}.
 *
 * <p>Uses only the JDK, so it also runs as a source file: {@code java
 * benchmarks/src/main/java/io/github/tempered/benchmarks/CalibrateMemory.java --cp ...
 * --baseline-cp ...}.
 */
public final class CalibrateMemory {

    private static final int CLASSES = 100;
    private static final double TEMPERATURE = 2.5;
    private static final Pattern TIME =
            Pattern.compile("TEMPERED_BENCH (\\S+) (\\d+) (\\S+) (\\S+)");
    private static final Pattern T = Pattern.compile("Fitted on the first \\d+ rows: T = (\\S+)");

    private CalibrateMemory() {}

    /**
     * Runs the benchmark.
     *
     * @param args {@code --cp CP --baseline-cp CP [--rows N] [--baseline-rows N] [--dir DIR]
     *     [--rounds R] [--keep]}
     * @throws Exception if a file cannot be written or a run fails
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--keep")) {
                options.put("keep", "true");
            } else {
                options.put(args[i].substring(2), args[++i]);
            }
        }
        String cp = require(options, "cp");
        String baselineCp = require(options, "baseline-cp");
        long rows = Long.parseLong(options.getOrDefault("rows", "4000000"));
        long baseRows = Long.parseLong(options.getOrDefault("baseline-rows", "1000000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "1"));
        Path dir = Paths.get(options.getOrDefault("dir", "/tmp/tempered-calibrate-bench"));
        Files.createDirectories(dir);
        Path big = dir.resolve("big.npy");
        Path bigLabels = dir.resolve("labels.npy");
        Path base = dir.resolve("base.npy");
        Path baseLabels = dir.resolve("base-labels.npy");
        try {
            long start = System.nanoTime();
            generate(big, bigLabels, rows, base, baseLabels, baseRows);
            System.out.printf(
                    Locale.ROOT,
                    "wrote %s (%d MB) and %s (%d MB) in %.0f s%n",
                    big,
                    Files.size(big) >> 20,
                    base,
                    Files.size(base) >> 20,
                    (System.nanoTime() - start) / 1e9);
            System.out.println("load before: " + load());
            List<String[]> table = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                table.add(
                        run("baseline (in memory)", baselineCp, null, base, baseLabels, baseRows));
                table.add(run("streamed", cp, "-Xmx512m", big, bigLabels, rows));
                table.add(run("streamed", cp, "-Xmx512m", base, baseLabels, baseRows));
            }
            System.out.println("load after: " + load());
            System.out.println();
            System.out.println(
                    "| run | rows | heap | wall (s) | s per million rows | CPU user+sys (s) |"
                            + " peak RSS (MB) | T |");
            System.out.println("|---|---:|---|---:|---:|---:|---:|---:|");
            for (String[] row : table) {
                System.out.println("| " + String.join(" | ", row) + " |");
            }
        } finally {
            if (!options.containsKey("keep")) {
                for (Path p : new Path[] {big, bigLabels, base, baseLabels}) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static String require(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    /** Runs one calibrate command and returns its table row. */
    private static String[] run(
            String name, String cp, String heap, Path file, Path labels, long rows)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("/usr/bin/time");
        command.add("-f");
        command.add("TEMPERED_BENCH %e %M %U %S");
        command.add("java");
        if (heap != null) {
            command.add(heap);
        }
        command.addAll(
                List.of(
                        "-cp",
                        cp,
                        "io.github.tempered.cli.Tempered",
                        "calibrate",
                        file.toString(),
                        "--labels",
                        labels.toString(),
                        "--fit-fraction",
                        "0.5"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = process.waitFor();
        Matcher time = TIME.matcher(output);
        Matcher t = T.matcher(output);
        if (code != 0 || !time.find() || !t.find()) {
            throw new IllegalStateException(name + " failed (exit " + code + "):\n" + output);
        }
        double wall = Double.parseDouble(time.group(1));
        long peakKb = Long.parseLong(time.group(2));
        double cpu = Double.parseDouble(time.group(3)) + Double.parseDouble(time.group(4));
        System.out.printf(
                Locale.ROOT,
                "%s, %d rows: %.1f s, peak RSS %d MB, T = %s%n",
                name,
                rows,
                wall,
                peakKb >> 10,
                t.group(1));
        return new String[] {
            name,
            String.format(Locale.ROOT, "%,d", rows),
            heap == null ? "default" : heap,
            String.format(Locale.ROOT, "%.1f", wall),
            String.format(Locale.ROOT, "%.2f", wall / (rows / 1e6)),
            String.format(Locale.ROOT, "%.1f", cpu),
            Long.toString(peakKb >> 10),
            t.group(1)
        };
    }

    /** Writes the big file and its labels, and the first rows again as the baseline's files. */
    private static void generate(
            Path big, Path bigLabels, long rows, Path base, Path baseLabels, long baseRows)
            throws IOException {
        if (baseRows > rows) {
            throw new IllegalArgumentException("--baseline-rows must not exceed --rows");
        }
        SplittableRandom random = new SplittableRandom(2024);
        int block = 8192;
        ByteBuffer logits =
                ByteBuffer.allocate(block * CLASSES * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer labels = ByteBuffer.allocate(block * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        double[] u = new double[CLASSES];
        try (FileChannel bigOut = create(big, "<f4", "(" + rows + ", " + CLASSES + ")");
                FileChannel bigLabelOut = create(bigLabels, "<i8", "(" + rows + ",)");
                FileChannel baseOut = create(base, "<f4", "(" + baseRows + ", " + CLASSES + ")");
                FileChannel baseLabelOut = create(baseLabels, "<i8", "(" + baseRows + ",)")) {
            for (long from = 0; from < rows; from += block) {
                int n = (int) Math.min(block, rows - from);
                logits.clear();
                labels.clear();
                for (int r = 0; r < n; r++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < CLASSES; c++) {
                        u[c] = 2 * random.nextGaussian();
                        max = Math.max(max, u[c]);
                    }
                    double sum = 0;
                    for (int c = 0; c < CLASSES; c++) {
                        sum += Math.exp(u[c] - max);
                    }
                    double draw = random.nextDouble() * sum;
                    int label = CLASSES - 1;
                    double cumulative = 0;
                    for (int c = 0; c < CLASSES; c++) {
                        cumulative += Math.exp(u[c] - max);
                        if (draw < cumulative) {
                            label = c;
                            break;
                        }
                    }
                    for (int c = 0; c < CLASSES; c++) {
                        logits.putFloat((float) (TEMPERATURE * u[c]));
                    }
                    labels.putLong(label);
                }
                logits.flip();
                labels.flip();
                long baseCount = Math.max(0, Math.min(n, baseRows - from));
                if (baseCount > 0) {
                    baseOut.write(
                            logits.duplicate().limit((int) baseCount * CLASSES * Float.BYTES));
                    baseLabelOut.write(labels.duplicate().limit((int) baseCount * Long.BYTES));
                }
                bigOut.write(logits);
                bigLabelOut.write(labels);
            }
        }
    }

    /** Creates a file holding a version 1.0 {@code .npy} header, positioned after it. */
    private static FileChannel create(Path file, String descr, String shape) throws IOException {
        String header =
                "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = (64 - (10 + header.length() + 1) % 64) % 64;
        header = header + " ".repeat(pad) + "\n";
        ByteBuffer bytes = ByteBuffer.allocate(10 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII));
        bytes.put((byte) 1).put((byte) 0).putShort((short) header.length());
        bytes.put(header.getBytes(StandardCharsets.US_ASCII)).flip();
        FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING,
                        StandardOpenOption.WRITE);
        channel.write(bytes);
        return channel;
    }

    private static String load() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
