package io.github.tempered.calibration;

import static io.github.tempered.testing.NumericAssert.assertClose;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.testng.annotations.DataProvider;
import org.testng.annotations.Test;

/** {@link PlattScaler}: scikit-learn's unpenalised logistic regression on the score. */
public class PlattScalerTest {

    @DataProvider
    public static Object[][] cases() {
        return CalibratorFixtures.names("platt");
    }

    @Test(dataProvider = "cases")
    public void matchesScikitLearnLogisticRegression(String name) {
        JsonObject c = CalibratorFixtures.find(name);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            PlattFit fit = new PlattScaler().fit(in.get(0), in.get(1));
            FitChecks.affine(
                    name,
                    c,
                    fit,
                    fit.convergence(),
                    fit.gradientNorm(),
                    fit.apply(CalibratorFixtures.heldout(manager, c)));
            assertClose(
                    name,
                    "slope, intercept",
                    new double[] {fit.slope(), fit.intercept()},
                    new double[] {c.get("slope").getAsDouble(), c.get("intercept").getAsDouble()},
                    1e-7,
                    1e-8);
        }
    }

    @Test
    public void scoresOfShapeNx1FitLikeScoresOfShapeN() {
        JsonObject c = CalibratorFixtures.find("platt_synthetic");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList in = CalibratorFixtures.fitInputs(manager, c);
            PlattFit flat = new PlattScaler().fit(in.get(0), in.get(1));
            PlattFit column = new PlattScaler().fit(in.get(0).expandDims(1), in.get(1));
            assertClose(
                    "(N, 1)",
                    "slope, intercept",
                    new double[] {column.slope(), column.intercept()},
                    new double[] {flat.slope(), flat.intercept()},
                    0,
                    0);
        }
    }
}
