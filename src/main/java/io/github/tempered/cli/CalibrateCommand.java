package io.github.tempered.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.util.Progress;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import io.github.tempered.data.ModelOutputs;
import io.github.tempered.data.OutputKind;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
 * {@code tempered calibrate}: fit a temperature on any model's saved outputs and report, streaming
 * the files in chunks through {@link ModelOutputs}.
 */
@Command(
        name = "calibrate",
        mixinStandardHelpOptions = true,
        description = {
            "Fit a temperature on a model's saved outputs (NumPy .npz/.npy or CSV) and report"
                    + " NLL, ECE, MCE, Brier score and accuracy before and after.",
            "With --fit-fraction F < 1 the first F of the rows (in file order) fit T and the"
                    + " rest are scored.",
            "Files are read in chunks of rows, never whole: the fit passes over the fit rows once"
                    + " per iteration (3 to 5 passes on real outputs) and one more pass scores.",
            "Example: tempered calibrate outputs.npz --probabilities --fit-fraction 0.5"
                    + " --json report.json --plot reliability.png"
        })
final class CalibrateCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "FILE",
            description =
                    "Model outputs: .npz (logits and labels), .npy or .csv (N rows, C columns).")
    private Path file;

    @Option(
            names = "--labels",
            paramLabel = "FILE",
            description = "True class indices (.npy or .csv, one per row), if not in FILE.")
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
            description = "The outputs are probabilities (log is taken), not logits.")
    private boolean probabilities;

    @Option(
            names = "--fit-fraction",
            paramLabel = "F",
            defaultValue = "1.0",
            description =
                    "Fraction of rows, from the start, used to fit T (default: ${DEFAULT-VALUE}).")
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

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
    private Path json;

    @Option(
            names = "--plot",
            paramLabel = "FILE",
            description = "Write before/after reliability diagrams (.png, or .svg).")
    private Path plot;

    @Mixin private LoggingOptions logging;

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
        ModelOutputs outputs = null;
        try {
            outputs = open();
            run(outputs, spec.commandLine().getOut());
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

    private void run(ModelOutputs outputs, PrintWriter out) throws IOException {
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
        TemperatureFit fit = fit(outputs.range(0, nFit), progress);
        double t = fit.temperature();
        out.printf(
                Locale.ROOT,
                "Fitted on the first %d rows: T = %.4f (%d iterations), NLL %.4f -> %.4f%n",
                nFit,
                t,
                fit.iterations(),
                fit.nllBefore(),
                fit.nllAfter());

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", file.toString());
        report.put("temperature", t);
        Map<String, Object> fitPart = new LinkedHashMap<>();
        fitPart.put("n", nFit);
        fitPart.put("nll_before", fit.nllBefore());
        fitPart.put("nll_after", fit.nllAfter());
        fitPart.put("iterations", fit.iterations());
        report.put("fit", fitPart);

        long scoredFrom = nFit < n ? nFit : 0;
        String scoredName =
                nFit < n
                        ? "the last " + (n - nFit) + " rows (held out)"
                        : "the same rows (in-sample)";
        CalibrationReport[] scored = score(outputs.range(scoredFrom, n), t, progress);
        CalibrationReport before = scored[0];
        CalibrationReport after = scored[1];
        out.printf(
                Locale.ROOT,
                "Read in chunks of %d rows: %d pass%s over the fit rows, 1 over the scored rows%n",
                outputs.getChunkRows(),
                fit.iterations(),
                fit.iterations() == 1 ? "" : "es");
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

    /**
     * The fitting step, the one place where the calibration is fitted: a temperature fit that
     * passes over the fit rows' chunks once per iteration.
     *
     * @param fitRows the chunks of the rows that fit
     * @param progress per-pass progress, or null
     * @return the fit
     */
    private static TemperatureFit fit(Iterable<NDList> fitRows, Progress progress) {
        return new TemperatureScaler().fit(fitRows, progress);
    }

    /**
     * The scoring step: one pass over the scored rows' chunks, each added to the uncalibrated and
     * the calibrated ({@code logits / T}) report, so that both are the reports of all scored rows.
     *
     * @return the reports before and after
     */
    private CalibrationReport[] score(Iterable<NDList> rows, double t, Progress progress) {
        CalibrationReport.Accumulator before = CalibrationReport.accumulator(bins);
        CalibrationReport.Accumulator after = CalibrationReport.accumulator(bins);
        if (progress != null) {
            progress.reset("Scoring", 0, "");
        }
        Iterator<NDList> chunks = rows.iterator();
        while (chunks.hasNext()) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDList chunk = chunks.next();
                NDArray logits = chunk.get(0);
                before.addLogits(logits, chunk.get(1));
                after.addLogits(logits.div(t), chunk.get(1));
            }
            if (progress != null) {
                progress.increment(1);
            }
        }
        if (progress != null) {
            progress.end();
        }
        return new CalibrationReport[] {before.report(), after.report()};
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

    private static Tempered.OutOfMemory outOfMemory(OutOfMemoryError e, ModelOutputs outputs) {
        if (outputs == null) {
            return Tempered.OutOfMemory.of(e);
        }
        long rows = outputs.getChunkRows();
        long chunkMb = Math.max(1, (rows * outputs.getNumClasses() * Double.BYTES) >> 20);
        return new Tempered.OutOfMemory(
                String.format(
                        Locale.ROOT,
                        "out of memory (%s) with chunks of %d rows x %d classes: each takes"
                                + " %d MB as float64 and about %d MB while it is read and fitted,"
                                + " and the Java heap is limited to %d MB; lower --chunk-rows"
                                + " (e.g. --chunk-rows %d) or raise -Xmx",
                        e.getMessage(),
                        rows,
                        outputs.getNumClasses(),
                        chunkMb,
                        4 * chunkMb,
                        Runtime.getRuntime().maxMemory() >> 20,
                        Math.max(1, rows / 4)),
                e);
    }
}
