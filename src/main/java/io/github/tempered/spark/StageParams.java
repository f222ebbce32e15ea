package io.github.tempered.spark;

import java.util.List;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;

/** The params the stages share, created for one stage's uid with one documentation each. */
final class StageParams {

    private StageParams() {}

    /**
     * Creates the {@code inputCol} param: the score column.
     *
     * @param uid the owning stage's uid
     * @return the param
     */
    static Param<String> inputCol(String uid) {
        return new Param<>(
                uid,
                "inputCol",
                "the scores: array<float>, array<double> or ml Vector, one value per class");
    }

    /**
     * Creates the {@code labelCol} param: the label column.
     *
     * @param uid the owning stage's uid
     * @return the param
     */
    static Param<String> labelCol(String uid) {
        return new Param<>(
                uid,
                "labelCol",
                "the labels: class indices in [0, C), integral or whole-number double");
    }

    /**
     * Creates the {@code outputCol} param: the column of calibrated probabilities.
     *
     * @param uid the owning stage's uid
     * @return the param
     */
    static Param<String> outputCol(String uid) {
        return new Param<>(
                uid, "outputCol", "the calibrated probabilities softmax(z / T), an ml Vector");
    }

    /**
     * Creates the {@code inputKind} param, which accepts {@code "logits"} and {@code
     * "probabilities"}.
     *
     * @param uid the owning stage's uid
     * @return the param
     */
    static Param<String> inputKind(String uid) {
        return new Param<>(
                uid,
                "inputKind",
                "what the input column holds: 'logits' (unnormalized scores) or 'probabilities'"
                        + " (rows summing to 1; their log is used as logits)",
                ParamValidators.inArray(
                        List.of(InputKind.LOGITS.param(), InputKind.PROBABILITIES.param())));
    }

    /**
     * Creates the {@code maxIter} param: the largest number of passes a fit may make.
     *
     * @param uid the owning stage's uid
     * @return the param, accepting values of at least 1
     */
    static IntParam maxIter(String uid) {
        return new IntParam(
                uid,
                "maxIter",
                "the largest number of passes over the data (iterations) a fit may make (>= 1)",
                ParamValidators.gtEq(1));
    }

    /**
     * Creates the {@code tol} param: the relative tolerance on the temperature.
     *
     * @param uid the owning stage's uid
     * @return the param, accepting values in {@code (0, 0.1]}
     */
    static DoubleParam tol(String uid) {
        return new DoubleParam(
                uid,
                "tol",
                "the relative tolerance on T: the fit stops once a step changes T by at most this"
                        + " fraction, in (0, 0.1]",
                ParamValidators.inRange(0, 0.1, false, true));
    }
}
