package io.github.tempered.cli;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertFalse;
import static org.testng.Assert.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.testng.SkipException;
import org.testng.annotations.BeforeClass;
import org.testng.annotations.Test;

/**
 * The command-line jar ({@code target/tempered-<version>-cli.jar}) run with {@code java -jar} as a
 * user runs it, after {@code package} (Failsafe). Every run sees a stand-in CUDA runtime without a
 * driver (a {@code libcudart.so} built here with {@code cc}, when there is one), the case in which
 * DJL warns "Failed to detect GPU count" on every start: a successful run still writes nothing to
 * standard error unless {@code --verbose} is given.
 */
public class CliJarIT {

    private static final long TIMEOUT_SECONDS = 300;

    private Path jar;
    private Path work;
    private Path fakeCuda;

    @BeforeClass
    public void setUp() throws IOException, InterruptedException {
        jar = Path.of(System.getProperty("tempered.cli.jar", "target/none-cli.jar"));
        assertTrue(Files.isRegularFile(jar), "package builds the command-line jar " + jar);
        work = Files.createTempDirectory(Path.of("target"), "cli-jar-it").toAbsolutePath();
        fakeCuda = buildFakeCudaRuntime(work.resolve("fake-cuda"));
    }

    @Test
    public void versionComesFromTheManifest() throws Exception {
        Result run = java("--version");
        assertEquals(run.exitCode, 0, run.toString());
        assertTrue(run.out.matches("tempered \\d+\\.\\d+\\.\\d+.*\\R"), run.toString());
    }

    @Test
    public void calibrateRunsQuietly() throws Exception {
        Path outputs = Path.of("src/test/resources/model-outputs/lenet-5-cifar-10.npz");
        Path json = work.resolve("calibrate.json");
        Result run =
                java(
                        "calibrate",
                        outputs.toAbsolutePath().toString(),
                        "--probabilities",
                        "--fit-fraction",
                        "0.5",
                        "--json",
                        json.toString());
        assertEquals(run.exitCode, 0, run.toString());
        assertEquals(run.err, "", "a successful run writes nothing to stderr: " + run);
        assertTrue(run.out.contains("T = "), run.toString());
        assertTrue(Files.readString(json).contains("\"heldout\""), json.toString());
    }

    @Test
    public void gradientsRunsQuietlyAndVerboseShowsDjlsLog() throws Exception {
        Result quiet = java("gradients");
        assertEquals(quiet.exitCode, 0, quiet.toString());
        assertTrue(quiet.out.contains("GradCheck PASSED"), quiet.toString());
        assertEquals(quiet.err, "", "a successful run writes nothing to stderr: " + quiet);

        Result verbose = java("gradients", "--verbose");
        assertEquals(verbose.exitCode, 0, verbose.toString());
        assertTrue(verbose.err.contains("ai.djl."), "DJL's log with --verbose: " + verbose);
        if (fakeCuda != null) {
            assertTrue(
                    verbose.err.contains("Failed to detect GPU count"),
                    "DJL's CUDA warning with --verbose: " + verbose);
        }
    }

    @Test
    public void demoPrintsOneLinePerEpochToAPipe() throws Exception {
        Result run = java(demo("pipe"));
        assertEquals(run.exitCode, 0, run.toString());
        assertEquals(run.err, "", "a successful run writes nothing to stderr: " + run);
        List<String> epochs = run.out.lines().filter(l -> l.startsWith("epoch ")).toList();
        assertEquals(epochs.size(), 2, "one line per epoch: " + run);
        assertFalse(run.out.contains("\r"), "no progress-bar frames: " + run);
        assertFalse(run.out.contains("Training:"), "no progress bars: " + run);
        assertTrue(Files.isRegularFile(work.resolve("pipe/report.json")), run.toString());
    }

    @Test
    public void demoShowsProgressBarsOnATerminal() throws Exception {
        if (onPath("script") == null) {
            throw new SkipException("no script(1) to run the jar on a pseudo-terminal");
        }
        // script(1) runs the command on a pseudo-terminal and copies what it shows.
        String command =
                List.of(command(demo("terminal"))).stream()
                        .map(CliJarIT::shellQuote)
                        .collect(Collectors.joining(" "));
        Result run = run(List.of("script", "-qec", command, "/dev/null"));
        assertEquals(run.exitCode, 0, run.toString());
        assertTrue(run.out.contains("\rTraining:"), "DJL's redrawn bar: " + run);
        assertTrue(run.out.contains("epoch 2/2: "), "and the epoch lines: " + run);
    }

    @Test
    public void badInputIsOneLineOnStderr() throws Exception {
        Result run = java("calibrate", work.resolve("missing.npz").toString());
        assertEquals(run.exitCode, 1, run.toString());
        assertEquals(run.out, "", run.toString());
        assertEquals(run.err.lines().count(), 1L, "one line: " + run);
        assertTrue(run.err.startsWith("tempered calibrate: "), run.toString());
    }

    private String[] demo(String out) {
        return new String[] {
            "demo",
            "--embedded",
            "--limit",
            "600,200,200",
            "--epochs",
            "2",
            "--out",
            work.resolve(out).toString()
        };
    }

    private String[] command(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        if (fakeCuda != null) {
            command.add("-Djna.library.path=" + fakeCuda);
        }
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        command.addAll(List.of(args));
        return command.toArray(new String[0]);
    }

    private Result java(String... args) throws IOException, InterruptedException {
        return run(List.of(command(args)));
    }

    private Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        Process process =
                new ProcessBuilder(command)
                        .directory(work.toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out after " + TIMEOUT_SECONDS + " s: " + command);
        }
        return new Result(
                String.join(" ", command),
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * Builds a CUDA runtime library that finds no driver, as on a machine with CUDA installed and
     * no GPU driver; null when no C compiler is on the PATH (the runs then go without it).
     */
    private Path buildFakeCudaRuntime(Path dir) throws IOException, InterruptedException {
        Path cc = onPath("cc");
        if (cc == null) {
            return null;
        }
        Files.createDirectories(dir);
        Path source =
                Files.writeString(
                        dir.resolve("cudart.c"),
                        "int cudaGetDeviceCount(int *count) { *count = 0; return 35; }\n"
                                + "const char *cudaGetErrorString(int error) {\n"
                                + "    return \"CUDA driver version is insufficient for CUDA"
                                + " runtime version\";\n"
                                + "}\n");
        Result built =
                run(
                        List.of(
                                cc.toString(),
                                "-shared",
                                "-fPIC",
                                "-o",
                                dir.resolve("libcudart.so").toString(),
                                source.toString()));
        assertEquals(built.exitCode, 0, "building the stand-in CUDA runtime: " + built);
        return dir;
    }

    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static String shellQuote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** What a process printed and how it ended. */
    private record Result(String command, int exitCode, String out, String err) {
        @Override
        public String toString() {
            return command + "\nexit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }
}
