package io.github.tempered.spark;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/** The params of a stage that reads a score column: its name and what it holds. */
interface HasScoreColumn extends Params {

    /**
     * Returns the param naming the score column.
     *
     * @return {@code inputCol}
     */
    Param<String> inputCol();

    /**
     * Returns the param saying what the score column holds.
     *
     * @return {@code inputKind}
     */
    Param<String> inputKind();

    /**
     * Returns the score column.
     *
     * @return its name
     */
    default String getInputCol() {
        return $(inputCol());
    }

    /**
     * Returns what the score column holds.
     *
     * @return {@code "logits"} or {@code "probabilities"}
     */
    default String getInputKind() {
        return $(inputKind());
    }
}
