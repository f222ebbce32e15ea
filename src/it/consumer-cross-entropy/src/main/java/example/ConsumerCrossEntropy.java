package example;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.loss.CrossEntropyLoss;

/** Computes one CrossEntropyLoss value with the native this project chose; exits 1 if it is off. */
public final class ConsumerCrossEntropy {

    /**
     * PyTorch 1.13 (Debian's python3-torch), float32:
     *
     * <pre>
     * x = torch.tensor([[1.5, -0.3, 0.8, 2.1], [0.2, 0.9, -1.4, 0.0], [-0.7, 1.1, 0.4, 0.6]])
     * F.cross_entropy(x / 2.0, torch.tensor([3, 1, 2]), label_smoothing=0.1).item()
     * # 1.1452667713165283
     * </pre>
     */
    private static final double PYTORCH = 1.1452667713165283;

    private ConsumerCrossEntropy() {}

    public static void main(String[] args) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits =
                    manager.create(
                            new float[] {1.5f, -0.3f, 0.8f, 2.1f, 0.2f, 0.9f, -1.4f, 0.0f, -0.7f,
                                1.1f, 0.4f, 0.6f},
                            new Shape(3, 4));
            NDArray labels = manager.create(new long[] {3, 1, 2});
            CrossEntropyLoss loss =
                    CrossEntropyLoss.builder().optTemperature(2f).optLabelSmoothing(0.1f).build();
            float value = loss.evaluate(new NDList(labels), new NDList(logits)).getFloat();
            System.out.println(
                    "CrossEntropyLoss = " + value + " on " + manager.getEngine().getEngineName()
                            + " " + manager.getEngine().getVersion() + ", PyTorch: " + PYTORCH);
            if (!(Math.abs(value - PYTORCH) <= 1e-5 * PYTORCH)) {
                System.err.println("expected " + PYTORCH + " (1e-5 relative), got " + value);
                System.exit(1);
            }
        }
    }
}
