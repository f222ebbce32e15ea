package io.github.tempered.calibration;

import static org.testng.Assert.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.testng.annotations.Test;

/** {@link ReliabilityDiagram} of binary reports: bars over {@code P(y = 1)}. */
public class ReliabilityDiagramBinaryTest {

    /** Where the rendered examples go, to be looked at by a person. */
    private static final Path OUT = Path.of("target", "reliability");

    @Test
    public void barsStandOverThePredictedProbabilityOfClassOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // P(y = 1) = 0.15 for every row, all positive: a full-height bar in the bin
            // (0.1, 0.2]. The multiclass form would put these rows at confidence 0.85 instead.
            NDArray p = manager.full(new Shape(100), 0.15f);
            NDArray labels = manager.ones(new Shape(100), DataType.INT64);
            BufferedImage image =
                    ReliabilityDiagram.of(CalibrationReport.ofBinary(p, labels, 10))
                            .toBufferedImage();
            int width = image.getWidth();
            int left = blue(image, 0, width / 3);
            int right = blue(image, 2 * width / 3, width);
            assertTrue(
                    left > 1000 && right < left / 10,
                    "blue bar pixels left vs right of the chart: " + left + " vs " + right);
        }
    }

    @Test
    public void plattBeforeAndAfterOfLeNetCatVersusRest() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList data = CalibrationFixtures.npz(manager, CalibrationFixtures.LENET);
            NDArray p = data.get("predictions").toType(DataType.FLOAT64, false).get(":, 3");
            NDArray scores = p.log().sub(p.neg().add(1).log());
            NDArray labels = data.get("ground_truth").eq(3).toType(DataType.INT64, false);
            NDArray fitScores = scores.get("0:5000");
            PlattFit fit = new PlattScaler().fit(fitScores, labels.get("0:5000"));
            CalibrationReport before =
                    CalibrationReport.ofBinaryLogits(scores.get("5000:"), labels.get("5000:"), 15);
            CalibrationReport after =
                    CalibrationReport.ofBinary(
                            fit.apply(scores.get("5000:")), labels.get("5000:"), 15);
            assertTrue(after.nll() < before.nll(), "Platt lowers the held-out NLL: " + fit);
            ReliabilityDiagram.pair(before, after).savePng(OUT.resolve("lenet-cat-platt-pair.png"));
        }
    }

    private static int blue(BufferedImage image, int fromX, int toX) {
        int count = 0;
        for (int x = fromX; x < toX; x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                int rgb = image.getRGB(x, y);
                if (((rgb >> 16) & 0xff) == 31
                        && ((rgb >> 8) & 0xff) == 119
                        && (rgb & 0xff) == 180) {
                    count++;
                }
            }
        }
        return count;
    }
}
