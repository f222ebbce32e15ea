package io.github.tempered.benchmarks;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import io.github.tempered.loss.CrossEntropyLoss;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * One comparison of {@link FusedCrossEntropyBenchmark}: float32 logits (N, C) requiring a gradient,
 * int64 labels, and for one option set both PyTorch's fused {@code F.cross_entropy} (a TorchScript
 * module written by {@code tools/make_fused_cross_entropy.py}, loaded by DJL as a symbol block) and
 * Tempered's {@link CrossEntropyLoss} with the same options. One step is what a training step pays
 * for the loss: evaluate under a {@link GradientCollector}, then backward into the logits'
 * gradient, every array of the step closed afterwards.
 */
final class FusedCrossEntropy implements AutoCloseable {

    /** The option sets compared. */
    enum Options {
        /** No option: {@code F.cross_entropy(logits, target)}. */
        PLAIN("plain"),
        /** Label smoothing 0.1 and ignore index -100 (10% of the targets ignored). */
        SMOOTHING_IGNORE("smoothing_ignore"),
        /** Temperature 1.5, class weights 1 + c % 3, ignore index -100, label smoothing 0.1. */
        ALL_OPTIONS("all_options");

        private final String module;

        Options(String module) {
            this.module = module;
        }
    }

    private final NDManager manager;
    private final Model model;
    private final Block fused;
    private final ParameterStore store;
    private final NDList logits;
    private final NDList fusedInputs;
    private final NDList labels;
    private final Loss tempered;
    private final float[] weight;

    /**
     * Creates the inputs and loads the fused module.
     *
     * @param n rows
     * @param c classes
     * @param options the option set
     */
    FusedCrossEntropy(int n, int c, Options options) {
        manager = NDManager.newBaseManager();
        CrossEntropyInputs inputs = new CrossEntropyInputs(manager, n, c);
        logits = inputs.logits;
        weight = inputs.weight;
        NDArray x = logits.head();
        CrossEntropyLoss.Builder builder;
        switch (options) {
            case SMOOTHING_IGNORE:
                builder =
                        CrossEntropyLoss.builder()
                                .optLabelSmoothing(0.1f)
                                .optIgnoreIndex(CrossEntropyInputs.IGNORE_INDEX);
                labels = inputs.labelsWithIgnored;
                fusedInputs = new NDList(x, labels.head());
                break;
            case ALL_OPTIONS:
                builder = inputs.allOptions().optTemperature(1.5f);
                labels = inputs.labelsWithIgnored;
                fusedInputs = new NDList(x, labels.head(), manager.create(inputs.weight));
                break;
            default:
                builder = CrossEntropyLoss.builder();
                labels = inputs.labels;
                fusedInputs = new NDList(x, labels.head());
        }
        tempered = builder.build();
        model = Model.newInstance("fused-" + options.module, Device.cpu(), "PyTorch");
        try {
            model.load(extract(options.module), options.module);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (MalformedModelException e) {
            throw new IllegalStateException(e);
        }
        fused = model.getBlock();
        store = new ParameterStore(manager, false);
    }

    private static Path extract(String module) throws IOException {
        Path dir = Files.createTempDirectory("tempered-fused");
        dir.toFile().deleteOnExit();
        Path file = dir.resolve(module + ".pt");
        try (InputStream in =
                FusedCrossEntropy.class.getResourceAsStream("/fused/" + module + ".pt")) {
            if (in == null) {
                throw new IOException("missing resource /fused/" + module + ".pt");
            }
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        file.toFile().deleteOnExit();
        return dir;
    }

    /** One step of PyTorch's fused op. */
    void fused() {
        CrossEntropyInputs.step(() -> fused.forward(store, fusedInputs, true).head());
    }

    /** One step of Tempered's loss. */
    void tempered() {
        tempered(tempered);
    }

    /**
     * One step of another build of Tempered's loss on the same inputs.
     *
     * @param loss the loss, configured with this comparison's option set
     */
    void tempered(Loss loss) {
        CrossEntropyInputs.step(() -> loss.evaluate(labels, logits));
    }

    /**
     * Returns a loss's value on this comparison's inputs.
     *
     * @param loss the loss
     * @return its value
     */
    float value(Loss loss) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return loss.evaluate(labels, logits).getFloat();
        }
    }

    /**
     * Returns the class weights of the option set with weights ({@code 1 + c % 3}).
     *
     * @return the weights (not a copy)
     */
    float[] weight() {
        return weight;
    }

    /**
     * Returns both losses' values, for a check that they compute the same thing.
     *
     * @return {fused, tempered}
     */
    float[] values() {
        float fusedValue;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            fusedValue = fused.forward(store, fusedInputs, false).head().getFloat();
        }
        return new float[] {fusedValue, value(tempered)};
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        model.close();
        manager.close();
    }
}
