package io.github.tempered.calibration;

import static org.testng.Assert.assertEquals;
import static org.testng.Assert.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.tempered.nn.AffineScaledBlock;
import java.io.IOException;
import org.testng.annotations.Test;

/** {@link VectorFit}: apply on any shape and type, and the wrapped block through save and load. */
public class VectorFitTest {

    @Test
    public void wrappedClassifierSurvivesSaveAndLoad() throws IOException, MalformedModelException {
        SavedCalibrations.roundTrip(
                "vector",
                4,
                in -> new VectorScaler().fit(in.get(0), in.get(1)),
                VectorFit::wrap,
                classifier -> AffineScaledBlock.builder().setBlock(classifier).build());
    }

    @Test
    public void applyKeepsShapeTypeAndManager() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.randomNormal(new Shape(40, 3)).mul(3);
            NDArray labels = logits.argMax(1);
            labels.set(new ai.djl.ndarray.index.NDIndex("0:10"), 2);
            VectorFit fit = new VectorScaler().fit(logits, labels);
            assertEquals(fit.numClasses(), 3);
            assertEquals(fit.weights().length, 3);
            double bias = 0;
            for (double b : fit.biases()) {
                bias += b;
            }
            assertEquals(bias, 0, 1e-12, "biases are centred");
            try (NDManager caller = manager.newSubManager()) {
                NDArray batch =
                        caller.randomNormal(new Shape(2, 5, 3)).toType(DataType.FLOAT16, false);
                NDArray p = fit.apply(batch);
                assertEquals(p.getShape(), new Shape(2, 5, 3), "shape of (2, 5, 3) logits");
                assertEquals(p.getDataType(), DataType.FLOAT32, "float16 in, float32 out");
                assertTrue(p.getManager() == caller, "result in the caller's manager");
                double[] sums =
                        p.sum(new int[] {-1}).toType(DataType.FLOAT64, false).toDoubleArray();
                for (double s : sums) {
                    assertEquals(s, 1, 1e-6, "rows sum to 1");
                }
            }
            NDList single = new NDList(manager.create(new double[] {1, 2, 3}));
            assertEquals(fit.apply(single.head()).getShape(), new Shape(3), "one row of logits");
        }
    }
}
