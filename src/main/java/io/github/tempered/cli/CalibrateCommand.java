package io.github.tempered.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.github.tempered.calibration.CalibrationReport;
import io.github.tempered.calibration.TemperatureFit;
import io.github.tempered.calibration.TemperatureScaler;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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

/** {@code tempered calibrate}: fit a temperature on any model's saved outputs and report. */
@Command(
        name = "calibrate",
        mixinStandardHelpOptions = true,
        description = {
            "Fit a temperature on a model's saved outputs (NumPy .npz/.npy or CSV) and report"
                    + " NLL, ECE, MCE, Brier score and accuracy before and after.",
            "With --fit-fraction F < 1 the first F of the rows (in file order) fit T and the"
                    + " rest are scored.",
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

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
    private Path json;

    @Option(
            names = "--plot",
            paramLabel = "FILE",
            description = "Write before/after reliability diagrams (.png, or .svg).")
    private Path plot;

    @Mixin private LoggingOptions logging;

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
        PrintWriter out = spec.commandLine().getOut();
        try (NDManager manager = NDManager.newBaseManager()) {
            ModelOutputs.Loaded loaded =
                    ModelOutputs.load(
                            manager, file, labelsFile, logitsKey, labelsKey, probabilities);
            long n = loaded.logits().getShape().get(0);
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
            NDArray fitLogits = loaded.logits().get(new NDIndex("0:{}", nFit));
            NDArray fitLabels = loaded.labels().get(new NDIndex("0:{}", nFit));
            out.println("Tempered calibrate: " + loaded.description());
            TemperatureFit fit = new TemperatureScaler().fit(fitLogits, fitLabels);
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

            NDArray scoredLogits = fitLogits;
            NDArray scoredLabels = fitLabels;
            String scoredName = "the same rows (in-sample)";
            if (nFit < n) {
                scoredLogits = loaded.logits().get(new NDIndex("{}:", nFit));
                scoredLabels = loaded.labels().get(new NDIndex("{}:", nFit));
                scoredName = "the last " + (n - nFit) + " rows (held out)";
            }
            CalibrationReport before = CalibrationReport.ofLogits(scoredLogits, scoredLabels, bins);
            CalibrationReport after =
                    CalibrationReport.ofLogits(scoredLogits.div(t), scoredLabels, bins);
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
        return 0;
    }
}
