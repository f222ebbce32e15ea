package io.github.tempered.notebook;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * A Java kernel in this JVM: one {@link JShell} session that runs a notebook's code cells in order,
 * as JJava does, and returns each cell's outputs.
 *
 * <h2>Execution</h2>
 *
 * <p>Snippets run in this JVM, so they share its class path and the native PyTorch library that DJL
 * has loaded. JShell's own {@code "local"} engine ({@code LocalExecutionControl}) runs each snippet
 * on a new thread and keeps only the string of its value; this kernel extends the same base class,
 * {@link DirectExecutionControl}, to run snippets on the calling thread and keep their values as
 * objects, as JJava's execution control does (an image must stay an image). Snippet classes are
 * defined by a class loader whose parent is the loader of this class: the test class path under
 * Surefire, the project's class loader under {@code exec:java}.
 *
 * <p>The <em>compiler</em> sees only what the notebook declared: the session starts with an empty
 * class path, and each dependency magic adds its entries, so a notebook that uses a class without
 * loading its artifact fails here as it would on a real Java kernel. (Running code may still reach
 * any class of the JVM's class path, e.g. an engine found by {@code ServiceLoader}.)
 *
 * <h2>Outputs, as JJava makes them</h2>
 *
 * <ul>
 *   <li>What a cell prints to {@link System#out} and {@link System#err} becomes {@code stream}
 *       outputs; the streams are redirected around each cell.
 *   <li>The value of the cell's last snippet, when it is an expression with a value ({@code x},
 *       {@code f(x)}, not {@code int y = f(x);} nor a {@code void} call), becomes the {@code
 *       execute_result}; {@code null} shows nothing.
 *   <li>{@code display(Object)} (JJava's notebook function) shows an object at once as {@code
 *       display_data}, between the text printed before and after it, and returns an id.
 *   <li>A value is rendered as JJava renders it: a {@link RenderedImage} (e.g. a {@code
 *       BufferedImage}) as {@code image/png}, anything else as {@code text/plain} {@link
 *       String#valueOf}. An image's {@code text/plain} is {@code "BufferedImage 560x640"} (JJava
 *       shows the object's {@code toString}, which holds an identity hash).
 * </ul>
 *
 * <p>The session starts with JJava's imports ({@link #STARTUP_IMPORTS}: {@code java.util.*}, {@code
 * java.io.*}, ...), {@code display} and the function that runs magics ({@link Magics#CALL}). Not
 * thread-safe: one cell at a time.
 */
final class CellKernel implements AutoCloseable {

    /** The imports JJava's notebook initializer evaluates at start-up, and only those. */
    static final List<String> STARTUP_IMPORTS =
            List.of(
                    "java.util.*",
                    "java.io.*",
                    "java.math.*",
                    "java.net.*",
                    "java.time.*",
                    "java.util.concurrent.*",
                    "java.util.prefs.*",
                    "java.util.regex.*");

    /**
     * The format string by which {@code display} hands its object to the cell's {@link CellStream}:
     * the one object that both the cell and the runner reach, so no state is kept in the session
     * (whose variables JShell may re-create) nor in a static field.
     */
    private static final String DISPLAY_MARK = "\u0000tempered-display\u0000";

    /**
     * JJava's {@code display(Object)}: shows the object now and returns its display id (here a UUID
     * derived from the display's number in the notebook, which {@link CellStream#toString()} gives,
     * instead of a random one).
     */
    private static final String DISPLAY_FUNCTION =
            "String display(Object o) {\n"
                    + "    System.out.format(java.util.Locale.ROOT, \"\\u0000tempered-display\\u0000\", o);\n"
                    + "    return String.valueOf(System.out);\n"
                    + "}\n";

    /**
     * The format string by which a magic call hands its number to the cell's {@link CellStream},
     * which runs the cell's magic handler.
     */
    private static final String MAGIC_MARK = "\u0000tempered-magic\u0000";

    /**
     * What a cell's line magic became ({@link Magics#CALL}): runs magic number {@code index} of the
     * running cell, in order with the code around it, and returns {@code null} as JJava's magics
     * for dependencies do.
     */
    private static final String MAGIC_FUNCTION =
            "Object "
                    + Magics.CALL
                    + "(int index) {\n"
                    + "    System.out.format(java.util.Locale.ROOT, \"\\u0000tempered-magic\\u0000\","
                    + " index);\n"
                    + "    return null;\n"
                    + "}\n";

    /** Serialises the few lines that swap {@code java.class.path} while a session is built. */
    private static final Object CLASS_PATH_LOCK = new Object();

    private final JShell shell;
    private final ResultControl control;
    private final CellLoader loader;
    private final Path emptyClassPath;
    private int displayCount;

    private CellKernel(
            JShell shell, ResultControl control, CellLoader loader, Path emptyClassPath) {
        this.shell = shell;
        this.control = control;
        this.loader = loader;
        this.emptyClassPath = emptyClassPath;
        StringBuilder imports = new StringBuilder();
        for (String name : STARTUP_IMPORTS) {
            imports.append("import ").append(name).append(";\n");
        }
        evaluate(imports.toString());
        evaluate(DISPLAY_FUNCTION);
        evaluate(MAGIC_FUNCTION);
        control.clear();
    }

    /**
     * Starts a session whose snippet classes are loaded by a child of {@code parent}.
     *
     * @param parent the class loader that running cells see, with DJL and the project's classes
     */
    static CellKernel start(ClassLoader parent) {
        CellLoader loader = new CellLoader(parent);
        ResultControl control = new ResultControl(new Delegate(loader));
        Path empty;
        try {
            empty = Files.createTempDirectory("notebook-classpath");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // JShell's compiler starts from java.class.path (read when the session is built) and adds
        // to it. Building it while java.class.path names an empty folder, and fixing its class
        // path right away, gives a compiler that sees only what the notebook adds.
        JShell shell;
        synchronized (CLASS_PATH_LOCK) {
            String saved = System.getProperty("java.class.path");
            System.setProperty("java.class.path", empty.toString());
            try {
                PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
                shell =
                        JShell.builder()
                                .executionEngine(new Provider(control), Map.of())
                                .in(InputStream.nullInputStream())
                                .out(nowhere)
                                .err(nowhere)
                                .build();
                shell.addToClasspath(empty.toString());
            } finally {
                System.setProperty("java.class.path", saved);
            }
        }
        return new CellKernel(shell, control, loader, empty);
    }

    /** Adds class path entries for the compiler and for the snippets' class loader. */
    void addToClasspath(List<Path> entries) {
        for (Path entry : entries) {
            shell.addToClasspath(entry.toString());
        }
    }

    /**
     * Runs one cell's code without magics and returns its outputs.
     *
     * @param code the Java code
     * @return the outputs, in nbformat order
     * @throws CellFailure if a snippet does not compile, is incomplete, or throws
     */
    List<Output> run(String code) {
        return run(
                code,
                index -> {
                    throw new IllegalStateException("this cell has no magic " + index);
                });
    }

    /**
     * Runs one cell's code, in which each line magic became a call of {@link Magics#CALL}, and
     * returns its outputs.
     *
     * @param code the Java code
     * @param magics runs magic number {@code i} of the cell when the code reaches it; what it
     *     prints is the cell's output, and what it throws fails the cell as an exception
     * @return the outputs, in nbformat order
     * @throws CellFailure if a snippet does not compile, is incomplete, or throws
     */
    List<Output> run(String code, IntConsumer magics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        Thread thread = Thread.currentThread();
        ClassLoader savedLoader = thread.getContextClassLoader();
        Object last;
        CellStream cellOut = new CellStream(out, displayCount, magics);
        try (cellOut;
                PrintStream cellErr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(cellOut);
            System.setErr(cellErr);
            thread.setContextClassLoader(loader);
            last = evaluate(code);
        } catch (CellFailure failure) {
            throw failure.withOutput(
                    out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
            thread.setContextClassLoader(savedLoader);
            control.clear();
            displayCount = cellOut.count();
        }
        return outputs(
                out.toString(StandardCharsets.UTF_8),
                cellOut.displays(),
                err.toString(StandardCharsets.UTF_8),
                last);
    }

    private Object evaluate(String code) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String remaining = code;
        Object last = null;
        while (true) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                return last;
            }
            int line = lineOf(code, code.length() - remaining.length() + leadingBlanks(remaining));
            if (!info.completeness().isComplete()) {
                throw new CellFailure(
                        "compile error",
                        "line " + line + ": incomplete code: " + firstLine(info.remaining()));
            }
            last = evaluateSnippet(canonical(info.source()), line);
            remaining = info.remaining();
        }
    }

    private Object evaluateSnippet(String source, int line) {
        Object value = null;
        for (SnippetEvent event : shell.eval(source)) {
            if (event.causeSnippet() != null) {
                checkNotReset(event, line);
                continue; // an update of an earlier snippet this one replaced or resolved
            }
            Snippet snippet = event.snippet();
            Object result = event.value() == null ? null : control.take(event.value());
            if (event.status() == Snippet.Status.REJECTED) {
                throw new CellFailure("compile error", compileErrors(snippet, line));
            }
            JShellException exception = event.exception();
            if (exception != null) {
                throw new CellFailure("exception", describe(exception, snippet, line));
            }
            if (event.status() != Snippet.Status.VALID) {
                throw new CellFailure(
                        "compile error",
                        "line " + line + ": " + unresolved(snippet) + "\n" + indent(source));
            }
            switch (snippet.subKind()) {
                case VAR_VALUE_SUBKIND:
                case OTHER_EXPRESSION_SUBKIND:
                case TEMP_VAR_EXPRESSION_SUBKIND:
                    value = result;
                    break;
                default:
                    value = null;
                    break;
            }
        }
        return value;
    }

    /**
     * Fails when JShell re-created an earlier variable because this snippet changed something it
     * depends on: a local engine cannot redefine a loaded class, so the variable's class is
     * replaced and its value silently reset to null or zero.
     */
    private static void checkNotReset(SnippetEvent event, int line) {
        Snippet snippet = event.snippet();
        if (snippet instanceof VarSnippet
                && event.status() == Snippet.Status.VALID
                && event.previousStatus() == Snippet.Status.VALID) {
            VarSnippet variable = (VarSnippet) snippet;
            throw new CellFailure(
                    "compile error",
                    "line "
                            + line
                            + ": this snippet changes what the earlier variable "
                            + variable.name()
                            + " depends on; JShell re-created it and reset its value (a local"
                            + " execution engine cannot redefine classes). Declare "
                            + variable.name()
                            + " again after the change.\n"
                            + indent(event.causeSnippet().source()));
        }
    }

    private String compileErrors(Snippet snippet, int line) {
        String source = snippet.source();
        List<String> messages = new ArrayList<>();
        shell.diagnostics(snippet)
                .filter(Diag::isError)
                .forEach(
                        diag -> {
                            long at = Math.max(0, diag.getStartPosition());
                            int errorLine = line + lineOf(source, (int) at) - 1;
                            messages.add("line " + errorLine + ": " + diag.getMessage(Locale.ROOT));
                        });
        if (messages.isEmpty()) {
            messages.add("line " + line + ": rejected");
        }
        return String.join("\n", messages) + "\n" + indent(source);
    }

    private String unresolved(Snippet snippet) {
        if (snippet instanceof DeclarationSnippet) {
            List<String> names =
                    shell.unresolvedDependencies((DeclarationSnippet) snippet)
                            .collect(Collectors.toList());
            if (!names.isEmpty()) {
                return "unresolved " + String.join(", ", names);
            }
        }
        String diagnostics =
                shell.diagnostics(snippet)
                        .map(d -> d.getMessage(Locale.ROOT))
                        .collect(Collectors.joining("; "));
        return "snippet is "
                + shell.status(snippet)
                + (diagnostics.isEmpty() ? "" : ": " + diagnostics);
    }

    private String describe(JShellException exception, Snippet snippet, int line) {
        StringBuilder sb = new StringBuilder("line " + line + ": ");
        if (exception instanceof UnresolvedReferenceException) {
            DeclarationSnippet declaration =
                    ((UnresolvedReferenceException) exception).getSnippet();
            sb.append("call to ")
                    .append(declaration.source().strip().split("\n")[0])
                    .append(", ")
                    .append(unresolved(declaration));
        } else {
            Throwable t = exception;
            String prefix = "";
            while (t != null) {
                String type =
                        t instanceof EvalException
                                ? ((EvalException) t).getExceptionClassName()
                                : t.getClass().getName();
                sb.append(prefix).append(type);
                if (t.getMessage() != null) {
                    sb.append(": ").append(t.getMessage());
                }
                StackTraceElement[] trace = t.getStackTrace();
                for (int i = 0; i < Math.min(trace.length, 8); i++) {
                    sb.append("\n    at ").append(trace[i]);
                }
                prefix = "\nCaused by: ";
                t = t.getCause();
            }
        }
        return sb.append("\n").append(indent(snippet.source())).toString();
    }

    private static List<Output> outputs(
            String stdout, List<Object> shown, String stderr, Object last) {
        String[] parts = stdout.split(DISPLAY_MARK, -1);
        if (parts.length - 1 != shown.size()) {
            throw new IllegalStateException(
                    "display marks " + (parts.length - 1) + " != displays " + shown.size());
        }
        List<Output> outputs = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                outputs.add(Output.stream("stdout", parts[i]));
            }
            if (i < shown.size()) {
                outputs.add(render(Output.Kind.DISPLAY_DATA, shown.get(i)));
            }
        }
        if (!stderr.isEmpty()) {
            outputs.add(Output.stream("stderr", stderr));
        }
        if (last != null) {
            outputs.add(render(Output.Kind.EXECUTE_RESULT, last));
        }
        return outputs;
    }

    /** Renders a value as JJava does: images as PNG, everything else as text. */
    static Output render(Output.Kind kind, Object value) {
        if (value instanceof RenderedImage) {
            RenderedImage image = (RenderedImage) value;
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            try {
                ImageIO.write(image, "png", png);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String text =
                    value.getClass().getSimpleName()
                            + " "
                            + image.getWidth()
                            + "x"
                            + image.getHeight();
            return new Output(
                    kind, null, text, Base64.getEncoder().encodeToString(png.toByteArray()));
        }
        return new Output(kind, null, String.valueOf(value), null);
    }

    @Override
    public void close() {
        shell.close();
        try {
            loader.close();
            Files.deleteIfExists(emptyClassPath);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The snippet without leading and trailing blanks, and an import as one line without comments.
     *
     * <p>JShell puts every import into the prefix of every snippet's wrapper class; an import that
     * spans lines (a comment above it, blank lines before it) shifts the line numbers of every
     * wrapper, so JShell recompiles them all, and a recompiled variable whose class cannot be
     * redefined in place (a local engine cannot) loses its value.
     */
    static String canonical(String source) {
        String stripped = source.strip();
        StringBuilder code = new StringBuilder();
        for (int i = 0; i < stripped.length(); i++) {
            if (stripped.startsWith("//", i)) {
                int end = stripped.indexOf('\n', i);
                i = end < 0 ? stripped.length() : end;
                code.append(' ');
            } else if (stripped.startsWith("/*", i)) {
                int end = stripped.indexOf("*/", i + 2);
                i = end < 0 ? stripped.length() : end + 1;
                code.append(' ');
            } else if (stripped.charAt(i) == '"' || stripped.charAt(i) == '\'') {
                return stripped; // a literal: not an import
            } else {
                code.append(stripped.charAt(i));
            }
        }
        String oneLine = code.toString().replaceAll("\\s+", " ").strip();
        return oneLine.startsWith("import ") ? oneLine : stripped;
    }

    private static int leadingBlanks(String text) {
        int i = 0;
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The 1-based line of character {@code offset} in {@code text}. */
    private static int lineOf(String text, int offset) {
        int line = 1;
        for (int i = 0; i < Math.min(offset, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String firstLine(String text) {
        String stripped = text.strip();
        int end = stripped.indexOf('\n');
        return end < 0 ? stripped : stripped.substring(0, end) + " ...";
    }

    private static String indent(String source) {
        return source.strip().lines().map(l -> "    | " + l).collect(Collectors.joining("\n"));
    }

    /**
     * A cell's {@link System#out}: records what it prints, and the objects {@code display} hands it
     * (with a mark in the text where each was shown); runs the magics the cell's code calls.
     */
    private static final class CellStream extends PrintStream {

        private final List<Object> displays = new ArrayList<>();
        private final IntConsumer magics;
        private int count;

        CellStream(OutputStream out, int count, IntConsumer magics) {
            super(out, true, StandardCharsets.UTF_8);
            this.count = count;
            this.magics = magics;
        }

        @Override
        public PrintStream format(Locale locale, String format, Object... args) {
            if (MAGIC_MARK.equals(format) && args != null && args.length == 1) {
                magics.accept((Integer) args[0]);
                return this;
            }
            if (DISPLAY_MARK.equals(format) && args != null && args.length == 1) {
                synchronized (this) {
                    displays.add(args[0]);
                    count++;
                    print(DISPLAY_MARK);
                }
                return this;
            }
            return super.format(locale, format, args);
        }

        synchronized List<Object> displays() {
            return new ArrayList<>(displays);
        }

        synchronized int count() {
            return count;
        }

        /** The id of the last display, which {@code display} returns. */
        @Override
        public synchronized String toString() {
            return UUID.nameUUIDFromBytes(("display-" + count).getBytes(StandardCharsets.UTF_8))
                    .toString();
        }
    }

    /** A cell that did not run to the end; the runner adds the notebook and cell number. */
    static final class CellFailure extends RuntimeException {

        private static final long serialVersionUID = 1L;

        private final String kind;
        private final String detail;

        CellFailure(String kind, String detail) {
            super(kind + ": " + detail);
            this.kind = kind;
            this.detail = detail;
        }

        String kind() {
            return kind;
        }

        String detail() {
            return detail;
        }

        CellFailure withOutput(String stdout, String stderr) {
            String printed = (stdout + stderr).replace(DISPLAY_MARK, "").strip();
            if (printed.isEmpty()) {
                return this;
            }
            return new CellFailure(kind, detail + "\nThe cell printed:\n" + indent(printed));
        }
    }

    /** Runs snippets on the calling thread and keeps their values as objects, as JJava does. */
    private static final class ResultControl extends DirectExecutionControl {

        private final Map<String, Object> results = new HashMap<>();
        private long next;

        ResultControl(LoaderDelegate delegate) {
            super(delegate);
        }

        @Override
        protected String invoke(Method doitMethod) throws Exception {
            Object value = doitMethod.invoke(null);
            String key = "#" + next++;
            results.put(key, value);
            return key;
        }

        Object take(String key) {
            return results.remove(key);
        }

        void clear() {
            results.clear();
        }
    }

    /** Hands JShell the one {@link ResultControl}. */
    private static final class Provider implements ExecutionControlProvider {

        private final ExecutionControl control;

        Provider(ExecutionControl control) {
            this.control = control;
        }

        @Override
        public String name() {
            return "tempered-notebook";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }

    /** The class loader of snippet classes: their bytes, then the class path entries added. */
    private static final class CellLoader extends URLClassLoader {

        static {
            registerAsParallelCapable();
        }

        private final Map<String, byte[]> declared = new HashMap<>();

        CellLoader(ClassLoader parent) {
            super(new URL[0], parent);
        }

        synchronized void declare(String name, byte[] bytes) {
            declared.put(name, bytes);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes;
            synchronized (this) {
                bytes = declared.get(name);
            }
            if (bytes == null) {
                return super.findClass(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }

        void add(Path entry) {
            try {
                addURL(entry.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new IllegalArgumentException("class path entry " + entry, e);
            }
        }
    }

    /** JShell's loading interface over {@link CellLoader}. */
    private static final class Delegate implements LoaderDelegate {

        private final CellLoader loader;
        private final Map<String, Class<?>> classes = new HashMap<>();

        Delegate(CellLoader loader) {
            this.loader = loader;
        }

        @Override
        public void load(ExecutionControl.ClassBytecodes[] cbcs)
                throws ExecutionControl.ClassInstallException {
            boolean[] installed = new boolean[cbcs.length];
            try {
                for (ExecutionControl.ClassBytecodes cbc : cbcs) {
                    loader.declare(cbc.name(), cbc.bytecodes());
                }
                for (int i = 0; i < cbcs.length; i++) {
                    Class<?> klass = loader.loadClass(cbcs[i].name());
                    klass.getDeclaredMethods(); // link it now, as JShell's own delegate does
                    classes.put(cbcs[i].name(), klass);
                    installed[i] = true;
                }
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ExecutionControl.ClassInstallException("load: " + e, installed);
            }
        }

        @Override
        public void classesRedefined(ExecutionControl.ClassBytecodes[] cbcs) {
            for (ExecutionControl.ClassBytecodes cbc : cbcs) {
                loader.declare(cbc.name(), cbc.bytecodes());
            }
        }

        @Override
        public void addToClasspath(String path) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isEmpty()) {
                    loader.add(Path.of(entry));
                }
            }
        }

        @Override
        public Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> klass = classes.get(name);
            if (klass == null) {
                throw new ClassNotFoundException(name + " not found");
            }
            return klass;
        }
    }
}
