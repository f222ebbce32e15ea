package io.github.tempered.notebook;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs Jupyter notebooks written for a Java kernel (JJava, or IJava before it) without Jupyter:
 * every code cell in order, in one JShell session in this JVM ({@link CellKernel}), with the
 * dependency magics mapped onto this project's build ({@link Dependencies}).
 *
 * <p>Magics are found and split as JJava finds and splits them, and run in order with the code
 * around them ({@link Magics}). A notebook fails on the first cell that does not compile, throws,
 * uses a magic other than {@code %maven} and {@code %classpath} (or their deprecated forms), or
 * loads an artifact the project does not have. {@link #check} then compares every cell's fresh
 * outputs with the stored ones ({@link OutputComparator}); {@link #write} stores the fresh outputs
 * instead, so the committed outputs are always the runner's own.
 *
 * <p>Command line (from the project folder, after {@code mvn test-compile}):
 *
 * <pre>
 * mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.cleanupDaemonThreads=false \
 *     -Dexec.mainClass=io.github.tempered.notebook.NotebookRunner -Dexec.args="--write notebooks"
 * </pre>
 *
 * <p>Arguments: {@code --write} to rewrite the stored outputs (otherwise they are checked), then
 * notebook files or folders (whose {@code *.ipynb} files are taken, in name order); the default is
 * {@code notebooks}.
 */
public final class NotebookRunner {

    /** The command that rewrites the stored outputs of every notebook. */
    static final String WRITE_COMMAND =
            "mvn -B -q test-compile exec:java -Dexec.classpathScope=test"
                    + " -Dexec.cleanupDaemonThreads=false"
                    + " -Dexec.mainClass=io.github.tempered.notebook.NotebookRunner"
                    + " -Dexec.args=\"--write notebooks\"";

    /** The kernelspec name and language every notebook must declare. */
    static final String KERNEL = "java";

    private final Dependencies dependencies;
    private final ClassLoader parent;

    NotebookRunner(Dependencies dependencies, ClassLoader parent) {
        this.dependencies = dependencies;
        this.parent = parent;
    }

    /** A runner for this project's notebooks, on the class path this class was loaded from. */
    static NotebookRunner forThisProject() {
        return new NotebookRunner(
                Dependencies.ofThisProject(), NotebookRunner.class.getClassLoader());
    }

    /**
     * Runs every code cell of a notebook.
     *
     * @param notebook the notebook
     * @return each code cell's fresh outputs, by cell number
     * @throws NotebookException for the first cell that fails
     */
    Map<Integer, List<Output>> run(Notebook notebook) {
        String name = name(notebook);
        checkKernel(notebook, name);
        Path folder = notebook.path().toAbsolutePath().getParent();
        Map<Integer, List<Output>> outputs = new LinkedHashMap<>();
        List<Path> loaded = new ArrayList<>();
        List<String> unmatched = new ArrayList<>();
        try (CellKernel kernel = CellKernel.start(parent)) {
            for (Cell cell : notebook.cells()) {
                if (cell.type() != Cell.Type.CODE) {
                    continue;
                }
                Magics.Parsed parsed = Magics.parse(name, cell.number(), cell.source());
                MagicRunner magics =
                        new MagicRunner(parsed.magics(), folder, kernel, loaded, unmatched);
                try {
                    outputs.put(cell.number(), kernel.run(parsed.code(), magics));
                } catch (CellKernel.CellFailure failure) {
                    if (magics.failure != null) {
                        throw new NotebookException(
                                name,
                                cell.number(),
                                "dependency",
                                "line " + magics.failed.line() + ": " + magics.failure.getMessage(),
                                magics.failure);
                    }
                    String detail = failure.detail();
                    if ("compile error".equals(failure.kind())) {
                        detail += "\n(" + compilerClassPath(loaded, unmatched) + ")";
                    }
                    throw new NotebookException(
                            name, cell.number(), failure.kind(), detail, failure);
                }
            }
        }
        return outputs;
    }

    /**
     * Runs a cell's dependency magics when its code reaches them: maps them onto the project's
     * build and adds the entries to the kernel's class path, as JJava adds what it downloads.
     */
    private final class MagicRunner implements IntConsumer {

        private final List<Magics.Line> magics;
        private final Path folder;
        private final CellKernel kernel;
        private final List<Path> loaded;
        private final List<String> unmatched;
        private Magics.Line failed;
        private IllegalArgumentException failure;

        MagicRunner(
                List<Magics.Line> magics,
                Path folder,
                CellKernel kernel,
                List<Path> loaded,
                List<String> unmatched) {
            this.magics = magics;
            this.folder = folder;
            this.kernel = kernel;
            this.loaded = loaded;
            this.unmatched = unmatched;
        }

        @Override
        public void accept(int index) {
            Magics.Line magic = magics.get(index);
            if (Magics.DEPRECATED.contains(magic.name())) {
                // Into the cell's standard error, as JJava 1.0-a6 and later warn.
                System.err.println(
                        "%"
                                + magic.name()
                                + " is deprecated in JJava 1.0-a6 and later; use %"
                                + (Magics.MAVEN.contains(magic.name()) ? "maven" : "classpath"));
            }
            Dependencies.Resolution resolution;
            try {
                resolution = dependencies.resolve(magic, folder);
            } catch (IllegalArgumentException e) {
                failed = magic;
                failure = e;
                throw e;
            }
            kernel.addToClasspath(resolution.entries());
            loaded.addAll(resolution.entries());
            unmatched.addAll(resolution.unmatched());
        }
    }

    /**
     * Runs a notebook and compares each code cell's outputs with the stored ones.
     *
     * @throws NotebookException for the first cell that fails, or naming the first cell whose
     *     outputs differ and listing every difference
     */
    void check(Notebook notebook) {
        Map<Integer, List<Output>> fresh = run(notebook);
        List<String> report = new ArrayList<>();
        int first = -1;
        for (Cell cell : notebook.cells()) {
            if (cell.type() != Cell.Type.CODE) {
                continue;
            }
            List<String> differences =
                    OutputComparator.differences(
                            cell, fresh.getOrDefault(cell.number(), List.of()));
            if (!differences.isEmpty() && first < 0) {
                first = cell.number();
            }
            for (String difference : differences) {
                report.add((report.isEmpty() ? "" : "cell " + cell.number() + ": ") + difference);
            }
        }
        if (first >= 0) {
            throw new NotebookException(
                    name(notebook),
                    first,
                    "output differs from the stored output",
                    String.join("\n", report)
                            + "\nIf the change is intended, rewrite the stored outputs: "
                            + WRITE_COMMAND);
        }
    }

    /**
     * Runs a notebook and stores the fresh outputs and execution counts in its file.
     *
     * @return whether the file changed
     */
    boolean write(Notebook notebook) throws IOException {
        String text = notebook.withOutputs(run(notebook));
        String old = Files.readString(notebook.path(), StandardCharsets.UTF_8);
        if (text.equals(old)) {
            return false;
        }
        Files.writeString(notebook.path(), text, StandardCharsets.UTF_8);
        return true;
    }

    /** The notebooks in a folder ({@code *.ipynb}, by name) or the file itself. */
    static List<Path> notebooks(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".ipynb"))
                    .sorted()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void checkKernel(Notebook notebook, String name) {
        String kernel = notebook.kernelspec("name");
        String language = notebook.kernelspec("language");
        if (!KERNEL.equals(kernel) || !KERNEL.equals(language)) {
            throw new NotebookFormatException(
                    name
                            + ": kernelspec must be {\"name\": \"java\", \"language\": \"java\"},"
                            + " got name "
                            + kernel
                            + " and language "
                            + language);
        }
    }

    private String name(Notebook notebook) {
        Path path = notebook.path().toAbsolutePath().normalize();
        return path.startsWith(dependencies.projectRoot())
                ? dependencies.projectRoot().relativize(path).toString()
                : path.toString();
    }

    private static String compilerClassPath(List<Path> loaded, List<String> unmatched) {
        String seen =
                loaded.isEmpty()
                        ? "the compiler sees only the JDK: the notebook loaded nothing yet"
                        : "the compiler sees only the JDK and what the notebook loaded so far: "
                                + loaded.stream()
                                        .map(p -> p.getFileName().toString())
                                        .collect(Collectors.joining(", "));
        if (unmatched.isEmpty()) {
            return seen;
        }
        return seen
                + "; these matched no file, which JJava ignores without a word: "
                + String.join(", ", unmatched);
    }

    /**
     * Checks or rewrites notebooks; see the class comment for the arguments.
     *
     * @param args {@code [--write] [PATH...]}
     * @throws IOException if a notebook cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        // The settings the tests run with (pom.xml's Surefire argLine), for the same numbers.
        setDefault("ai.djl.offline", "true");
        setDefault("ai.djl.pytorch.num_threads", "1");
        setDefault("ai.djl.pytorch.num_interop_threads", "1");
        setDefault("java.awt.headless", "true");
        // Keep DJL's start-up log lines (e.g. about CUDA) out of the stored stderr outputs.
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "error");

        boolean write = false;
        List<Path> paths = new ArrayList<>();
        for (String arg : args) {
            if ("--write".equals(arg)) {
                write = true;
            } else if ("--check".equals(arg)) {
                write = false;
            } else {
                paths.add(Path.of(arg));
            }
        }
        if (paths.isEmpty()) {
            paths.add(Path.of("notebooks"));
        }
        NotebookRunner runner = forThisProject();
        List<String> failed = new ArrayList<>();
        for (Path path : paths) {
            for (Path file : notebooks(path)) {
                try {
                    Notebook notebook = Notebook.read(file);
                    if (write) {
                        System.out.println(
                                (runner.write(notebook) ? "rewrote   " : "unchanged ") + file);
                    } else {
                        runner.check(notebook);
                        System.out.println("ok        " + file);
                    }
                } catch (NotebookException | NotebookFormatException e) {
                    System.err.println(e.getMessage());
                    failed.add(file.toString());
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("notebooks failed: " + failed);
        }
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
