package io.github.tempered.cli;

import io.github.tempered.grad.GradientDemo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tempered gradients}: the softmax, cross-entropy and GradientCollector walkthrough. */
@Command(
        name = "gradients",
        mixinStandardHelpOptions = true,
        description =
                "Walk through a backward pass step by step: inputs (1, 3) @ weight (3, 2),"
                        + " softmax, cross-entropy with target class 1, GradientCollector, and the"
                        + " weight's gradient checked against x^T (softmax - onehot).")
final class GradientsCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private LoggingOptions logging;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        GradientDemo.Report report;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            report = GradientDemo.run(out);
        }
        spec.commandLine().getOut().print(buffer.toString(StandardCharsets.UTF_8));
        spec.commandLine().getOut().flush();
        if (!report.gradientsAgree(1e-6)) {
            throw new IllegalStateException(
                    "autograd and analytic gradients differ by " + report.maxAbsDifference());
        }
        return 0;
    }
}
