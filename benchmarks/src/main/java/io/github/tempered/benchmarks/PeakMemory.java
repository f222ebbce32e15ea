package io.github.tempered.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import io.github.tempered.loss.CrossEntropyLoss;
import io.github.tempered.loss.LinearCrossEntropyLoss;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Peak resident memory of one forward + backward of the large-vocabulary loss, naive against
 * chunked, each in a fresh JVM (Linux only; not a JMH benchmark).
 *
 * <p>Run {@code java -cp benchmarks/target/benchmarks.jar io.github.tempered.benchmarks.PeakMemory
 * [N D V]} (default 4096 1024 65536). For each of {@code naive} (Linear, then {@link
 * CrossEntropyLoss} on the full logits), {@code naive-djl} (the same with DJL's {@code
 * SoftmaxCrossEntropyLoss}) and {@code chunked} ({@link LinearCrossEntropyLoss}) it starts a JVM
 * that creates the inputs, runs one warm-up step, then for each of two measured steps resets the
 * kernel's peak counter ({@code echo 5 > /proc/self/clear_refs}) and reads {@code VmHWM} from
 * {@code /proc/self/status} afterwards. It prints the resident set before the step, the peak during
 * it (the whole process: JVM, inputs, gradients and the loss's temporaries; the Java heap stays
 * small, the tensors are native) and the growth (peak minus before), and the ratios.
 */
public final class PeakMemory {

    private PeakMemory() {}

    /**
     * Runs the comparison, or (with {@code --child MODE N D V}) one measurement.
     *
     * @param args {@code [N D V]} or {@code --child MODE N D V}
     * @throws Exception if a child fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && "--child".equals(args[0])) {
            child(
                    args[1],
                    Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]));
            return;
        }
        String[] size = args.length == 3 ? args : new String[] {"4096", "1024", "65536"};
        List<long[]> results = new ArrayList<>();
        String[] modes = {"naive", "naive-djl", "chunked"};
        for (String mode : modes) {
            results.add(runChild(mode, size));
        }
        System.out.printf(
                Locale.ROOT,
                "N = %s, D = %s, V = %s, float32, PyTorch threads %s%n",
                size[0],
                size[1],
                size[2],
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        System.out.println(
                "| path | resident before (MiB) | peak during step (MiB) | growth (MiB) |");
        System.out.println("|---|---:|---:|---:|");
        for (int i = 0; i < modes.length; i++) {
            long[] r = results.get(i);
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %d | %d | %d |%n",
                    modes[i],
                    r[0] >> 20,
                    r[1] >> 20,
                    (r[1] - r[0]) >> 20);
        }
        long[] naive = results.get(0);
        long[] chunked = results.get(2);
        System.out.printf(
                Locale.ROOT,
                "chunked / naive: peak %.3f, growth %.3f%n",
                chunked[1] / (double) naive[1],
                (chunked[1] - chunked[0]) / (double) (naive[1] - naive[0]));
    }

    private static long[] runChild(String mode, String[] size)
            throws IOException, InterruptedException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.add("-Xmx1g");
        command.add("-Dai.djl.offline=true");
        for (String p : new String[] {"ai.djl.pytorch.num_threads"}) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PeakMemory.class.getName());
        command.add("--child");
        command.add(mode);
        command.add(size[0]);
        command.add(size[1]);
        command.add(size[2]);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        long[] result = null;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    String[] f = line.split(" ");
                    result = new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
                } else if (line.startsWith("STEP ")) {
                    System.err.println(mode + ": " + line);
                }
            }
        }
        if (process.waitFor() != 0 || result == null) {
            throw new IllegalStateException(mode + ": child failed with " + process.exitValue());
        }
        return result;
    }

    private static void child(String mode, int n, int d, int v) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            LinearCrossEntropyBenchmark.Inputs in =
                    LinearCrossEntropyBenchmark.Inputs.create(manager, n, d, v);
            NDList labels = new NDList(in.labels);
            CrossEntropyLoss ours = CrossEntropyLoss.builder().build();
            SoftmaxCrossEntropyLoss djl = new SoftmaxCrossEntropyLoss();
            LinearCrossEntropyLoss chunked = LinearCrossEntropyLoss.builder().build();
            long before = 0;
            long peak = 0;
            for (int step = 0; step < 3; step++) {
                System.gc();
                Files.writeString(Paths.get("/proc/self/clear_refs"), "5");
                long rss = status("VmRSS:");
                try (NDScope scope = new NDScope();
                        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    scope.suppressNotUsedWarning();
                    NDArray loss;
                    if ("chunked".equals(mode)) {
                        loss = chunked.evaluate(labels, new NDList(in.hidden, in.weight));
                    } else {
                        NDArray logits = in.hidden.matMul(in.weight.transpose());
                        loss =
                                ("naive".equals(mode) ? ours : djl)
                                        .evaluate(labels, new NDList(logits));
                    }
                    collector.backward(loss);
                }
                long hwm = status("VmHWM:");
                System.out.println(
                        "STEP "
                                + step
                                + " before "
                                + (rss >> 20)
                                + " MiB, peak "
                                + (hwm >> 20)
                                + " MiB");
                if (step > 0 && hwm - rss > peak - before) {
                    before = rss;
                    peak = hwm;
                }
            }
            System.out.println("RESULT " + before + " " + peak);
        }
    }

    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no " + key + " in /proc/self/status");
    }
}
