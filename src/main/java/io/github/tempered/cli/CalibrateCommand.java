package io.github.tempered.cli;

import ai.djl.ndarray.NDList;
import io.github.tempered.calibration.Calibration;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.data.ModelOutputs;
import io.github.tempered.data.OutputKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tempered calibrate}: fit a calibration (a temperature by default) on any model's saved
 * outputs and report, streaming the files in chunks through {@link ModelOutputs}; or compare every
 * method on held-out rows.
 */
@Command(
        name = "calibrate",
        mixinStandardHelpOptions = true,
        description = {
            "Fit a calibration on a model's saved outputs (NumPy .npz/.npy or CSV) and report"
                    + " NLL, ECE, MCE, Brier score and accuracy before and after.",
            "Multiclass outputs are (N, C); a binary classifier's are one score per row, (N) or"
                    + " (N, 1) with labels 0/1, recognised by their shape.",
            "With --fit-fraction F < 1 the first F of the rows (in file order) fit and the rest"
                    + " are scored.",
            "Files are read in chunks of rows, never whole: the temperature fit passes over the"
                    + " fit rows once per iteration (3 to 5 passes on real outputs) and one more"
                    + " pass scores. The other methods, and --compare, read the fit rows into"
                    + " memory once (N x C float64); scoring always streams.",
            "Example: tempered calibrate outputs.npz --probabilities --fit-fraction 0.5"
                    + " --json report.json --plot reliability.png",
            "Example: tempered calibrate outputs.npz --probabilities --fit-fraction 0.5 --compare"
        })
final class CalibrateCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "FILE",
            description =
                    "Model outputs: .npz (logits and labels), .npy or .csv (N rows, C columns; one"
                            + " column of scores for a binary classifier).")
    private Path file;

    @Option(
            names = "--labels",
            paramLabel = "FILE",
            description =
                    "True class indices (.npy or .csv, one per row; 0/1 for binary), if not in FILE.")
    private Path labelsFile;

    @Option(
            names = "--logits-key",
            paramLabel = "K",
            description = "Name of the outputs array in an .npz (default: guessed).")
    private String logitsKey;

    @Option(
            names = "--labels-key",
            paramLabel = "K",
            description = "Name of the labels array in an .npz (default: guessed).")
    private String labelsKey;

    @Option(
            names = "--probabilities",
            description =
                    "The outputs are probabilities (log is taken; binary: P(y = 1), log-odds taken),"
                            + " not logits.")
    private boolean probabilities;

    @Option(
            names = "--fit-fraction",
            paramLabel = "F",
            defaultValue = "1.0",
            description =
                    "Fraction of rows, from the start, used to fit (default: ${DEFAULT-VALUE}).")
    private double fitFraction;

    @Option(
            names = "--bins",
            paramLabel = "N",
            defaultValue = "15",
            description =
                    "Equal-width confidence bins for ECE and MCE (default: ${DEFAULT-VALUE}).")
    private int bins;

    @Option(
            names = "--chunk-rows",
            paramLabel = "N",
            description =
                    "Rows read at a time (default: 16 MiB of float64 logits, 16 MiB / (8 C) rows,"
                            + " about 64 MB in use); memory grows with it, not with the file.")
    private Integer chunkRows;

    @Option(
            names = "--method",
            paramLabel = "METHOD",
            converter = CalibrationMethod.Converter.class,
            description = {
                "temperature (default for multiclass), vector, matrix, dirichlet, histogram,"
                        + " isotonic (multiclass), or platt (default for binary), histogram,"
                        + " isotonic (binary).",
                "matrix and dirichlet use the ODIR penalty lambda = mu, chosen by the NLL of the"
                        + " last 20%% of the fit rows (fitted on the first 80%%) from 1e5 down to"
                        + " 0.01, until the NLL is 1%% above the best."
            })
    private CalibrationMethod method;

    @Option(
            names = "--compare",
            description =
                    "Fit every method that applies on the fit rows and print one table of the"
                            + " held-out NLL, ECE, MCE, Brier score and accuracy (needs"
                            + " --fit-fraction < 1); matrix and dirichlet also unregularised.")
    private boolean compare;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
    private Path json;

    @Option(
            names = "--plot",
            paramLabel = "FILE",
            description = "Write before/after reliability diagrams (.png, or .svg).")
    private Path plot;

    @Mixin private LoggingOptions logging;

    /** The rows being read into memory for a fit, or -1 (for the out-of-memory message). */
    private long heldRows = -1;

    /** The option that made the command read the fit rows into memory. */
    private String heldFor;

    /** Library messages that name a builder option, and the flag that sets it here. */
    private static final String[][] FLAGS = {
        {"optLabels(file)", "--labels FILE"},
        {"optOutputsKey", "--logits-key"},
        {"optLabelsKey", "--labels-key"},
        {"read them with OutputKind.LOGITS", "drop --probabilities"},
        {"optChunkRows", "--chunk-rows"},
    };

    /** {@inheritDoc} */
    @Override
    public Integer call() throws IOException {
        if (!(fitFraction > 0 && fitFraction <= 1)) {
            throw new ParameterException(
                    spec.commandLine(), "--fit-fraction must be in (0, 1], got " + fitFraction);
        }
        if (bins < 1) {
            throw new ParameterException(spec.commandLine(), "--bins must be >= 1, got " + bins);
        }
        if (chunkRows != null && chunkRows < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--chunk-rows must be >= 1, got " + chunkRows);
        }
        if (compare) {
            String clash =
                    method != null
                            ? "--compare fits every method; drop --method"
                            : plot != null
                                    ? "--compare draws no diagram; use --method M --plot FILE for"
                                            + " one method's"
                                    : fitFraction >= 1
                                            ? "--compare scores the methods on held-out rows;"
                                                    + " give --fit-fraction below 1, e.g. 0.5"
                                            : null;
            if (clash != null) {
                throw new ParameterException(spec.commandLine(), clash);
            }
        }
        ModelOutputs outputs = null;
        try {
            outputs = open();
            CalibrationMethod chosen =
                    method != null ? method : CalibrationMethod.defaultFor(outputs.isBinary());
            if (!chosen.appliesTo(outputs.isBinary())) {
                throw new ParameterException(
                        spec.commandLine(),
                        String.format(
                                Locale.ROOT,
                                "--method %s does not apply to %s outputs (%s); use one of %s",
                                chosen.cliName(),
                                outputs.isBinary() ? "binary" : "multiclass",
                                outputs.isBinary()
                                        ? "one score per row"
                                        : outputs.getNumClasses() + " classes",
                                CalibrationMethod.applicableNames(outputs.isBinary())));
            }
            run(outputs, chosen, spec.commandLine().getOut());
        } catch (IllegalArgumentException e) {
            throw inCliTerms(e);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (OutOfMemoryError e) {
            throw outOfMemory(e, outputs);
        } finally {
            if (outputs != null) {
                outputs.close();
            }
        }
        return 0;
    }

    private ModelOutputs open() throws IOException {
        ModelOutputs.Builder builder =
                ModelOutputs.builder()
                        .setOutputs(file)
                        .optLabels(labelsFile)
                        .optOutputsKey(logitsKey)
                        .optLabelsKey(labelsKey)
                        .optKind(probabilities ? OutputKind.PROBABILITIES : OutputKind.LOGITS);
        if (chunkRows != null) {
            builder.optChunkRows(chunkRows);
        }
        return builder.build();
    }

    private void run(ModelOutputs outputs, CalibrationMethod chosen, PrintWriter out)
            throws IOException {
        long n = outputs.getRowCount();
        long nFit = fitFraction == 1 ? n : Math.round(fitFraction * n);
        if (nFit < 1 || nFit >= n && fitFraction < 1) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "--fit-fraction %s of %d rows leaves %d to fit and %d to score;"
                                    + " both need at least one row",
                            fitFraction,
                            n,
                            nFit,
                            n - nFit));
        }
        out.println("Tempered calibrate: " + outputs.getDescription());
        out.flush();
        PassProgress progress = Tempered.onTerminal(spec) ? new PassProgress(out) : null;
        if (compare) {
            compare(outputs, nFit, progress, out);
            return;
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", file.toString());
        report.put("method", chosen.cliName());
        Map<String, Object> fitPart = new LinkedHashMap<>();
        fitPart.put("n", nFit);
        Calibration calibration;
        String passes;
        if (chosen == CalibrationMethod.TEMPERATURE) {
            // Streamed: one pass over the fit rows' chunks per iteration.
            TemperatureFit fit = new TemperatureScaler().fit(outputs.range(0, nFit), progress);
            calibration = fit;
            double t = fit.temperature();
            out.printf(
                    Locale.ROOT,
                    "Fitted on the first %d rows: T = %.4f (%d iterations), NLL %.4f -> %.4f%n",
                    nFit,
                    t,
                    fit.iterations(),
                    fit.nllBefore(),
                    fit.nllAfter());
            report.put("temperature", t);
            fitPart.put("nll_before", fit.nllBefore());
            fitPart.put("nll_after", fit.nllAfter());
            fitPart.put("iterations", fit.iterations());
            passes =
                    fit.iterations()
                            + " pass"
                            + (fit.iterations() == 1 ? "" : "es")
                            + " over the fit rows";
        } else {
            CalibrationMethod.Fitted fitted;
            heldRows = nFit;
            heldFor = "--method " + chosen.cliName();
            try (NDList rows = OutputPasses.readAll(outputs.range(0, nFit), progress)) {
                fitted = chosen.fit(rows.get(0), rows.get(1));
            }
            calibration = fitted.calibration();
            out.printf(
                    Locale.ROOT,
                    "Fitted %s on the first %d rows (read into memory): %s%n",
                    fitted.label(),
                    nFit,
                    calibration);
            fitPart.putAll(fitted.parameters());
            passes = "1 pass over the fit rows (into memory)";
        }
        report.put("fit", fitPart);

        long scoredFrom = nFit < n ? nFit : 0;
        String scoredName =
                nFit < n
                        ? "the last " + (n - nFit) + " rows (held out)"
                        : "the same rows (in-sample)";
        List<CalibrationReport> scored =
                OutputPasses.score(
                        outputs.range(scoredFrom, n),
                        List.of(
                                OutputPasses.uncalibrated(bins, outputs.isBinary()),
                                OutputPasses.calibrated(bins, outputs.isBinary(), calibration)),
                        progress);
        CalibrationReport before = scored.get(0);
        CalibrationReport after = scored.get(1);
        out.printf(
                Locale.ROOT,
                "Read in chunks of %d rows: %s, 1 over the scored rows%n",
                outputs.getChunkRows(),
                passes);
        out.println("Scored on " + scoredName + ", " + bins + " bins:");
        out.print(Reports.table(before, after));
        if (nFit < n) {
            report.put("heldout", Reports.beforeAfter(before, after));
        } else {
            fitPart.put("before", Reports.metrics(before));
            fitPart.put("after", Reports.metrics(after));
        }
        if (json != null) {
            Reports.writeJson(json, report);
            out.println("Wrote " + json);
        }
        if (plot != null) {
            Reports.writePlot(plot, before, after);
            out.println("Wrote " + plot);
        }
        out.flush();
    }

    /** {@code --compare}: prints the comparison and writes it to {@code --json}. */
    private void compare(ModelOutputs outputs, long nFit, PassProgress progress, PrintWriter out)
            throws IOException {
        heldRows = nFit;
        heldFor = "--compare";
        Map<String, Object> table = Comparison.run(outputs, nFit, bins, progress, out);
        if (json != null) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("file", file.toString());
            report.put("bins", bins);
            report.put("fit", Map.of("n", nFit));
            report.put("compare", table);
            Reports.writeJson(json, report);
            out.println("Wrote " + json);
        }
        out.flush();
    }

    /** Rewrites a library message's builder option names as this command's flags. */
    private static IllegalArgumentException inCliTerms(IllegalArgumentException e) {
        String message = e.getMessage();
        if (message == null) {
            return e;
        }
        String cli = message;
        for (String[] flag : FLAGS) {
            cli = cli.replace(flag[0], flag[1]);
        }
        return cli.equals(message) ? e : new IllegalArgumentException(cli, e);
    }

    private Tempered.OutOfMemory outOfMemory(OutOfMemoryError e, ModelOutputs outputs) {
        if (outputs == null) {
            return Tempered.OutOfMemory.of(e);
        }
        int columns = outputs.isBinary() ? 1 : outputs.getNumClasses();
        if (heldRows >= 0) {
            long heldMb = Math.max(1, (heldRows * columns * Double.BYTES) >> 20);
            return new Tempered.OutOfMemory(
                    String.format(
                            Locale.ROOT,
                            "out of memory (%s) holding the %d fit rows in memory, as %s does: they"
                                    + " take %d MB as float64 and about %d MB while they are"
                                    + " joined and fitted, and the Java heap is limited to %d MB;"
                                    + " fit on fewer rows (--fit-fraction), use the streamed"
                                    + " temperature fit (--method temperature) or raise -Xmx",
                            e.getMessage(),
                            heldRows,
                            heldFor,
                            heldMb,
                            3 * heldMb,
                            Runtime.getRuntime().maxMemory() >> 20),
                    e);
        }
        long rows = outputs.getChunkRows();
        long chunkMb = Math.max(1, (rows * columns * Double.BYTES) >> 20);
        return new Tempered.OutOfMemory(
                String.format(
                        Locale.ROOT,
                        "out of memory (%s) with chunks of %d rows x %d classes: each takes"
                                + " %d MB as float64 and about %d MB while it is read and fitted,"
                                + " and the Java heap is limited to %d MB; lower --chunk-rows"
                                + " (e.g. --chunk-rows %d) or raise -Xmx",
                        e.getMessage(),
                        rows,
                        columns,
                        chunkMb,
                        4 * chunkMb,
                        Runtime.getRuntime().maxMemory() >> 20,
                        Math.max(1, rows / 4)),
                e);
    }
}
