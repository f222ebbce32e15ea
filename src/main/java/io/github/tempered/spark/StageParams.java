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
     * Creates a column-name param.
     *
     * @param uid the owning stage's uid
     * @param name the param's name, e.g. {@code "inputCol"}
     * @param doc its documentation, shown by {@code explainParams()}
     * @return the param
     */
    static Param<String> column(String uid, String name, String doc) {
        return new Param<>(uid, name, doc);
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
