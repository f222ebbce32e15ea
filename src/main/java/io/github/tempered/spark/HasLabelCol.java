package io.github.tempered.spark;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/** The param of a stage that reads a label column. */
interface HasLabelCol extends Params {

    /**
     * Returns the param naming the label column.
     *
     * @return {@code labelCol}
     */
    Param<String> labelCol();

    /**
     * Returns the label column.
     *
     * @return its name
     */
    default String getLabelCol() {
        return $(labelCol());
    }
}
