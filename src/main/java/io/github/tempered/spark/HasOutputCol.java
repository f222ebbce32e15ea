package io.github.tempered.spark;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/** The param of a stage that adds the calibrated probabilities as a column. */
interface HasOutputCol extends Params {

    /**
     * Returns the param naming the output column.
     *
     * @return {@code outputCol}
     */
    Param<String> outputCol();

    /**
     * Returns the output column.
     *
     * @return its name
     */
    default String getOutputCol() {
        return $(outputCol());
    }
}
