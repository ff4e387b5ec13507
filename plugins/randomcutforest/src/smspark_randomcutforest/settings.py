"""The estimator's one stage setting of its own: which rows make the ``test`` channel.

SageMaker Random Cut Forest reads an optional ``test`` channel of labelled rows (1 anomaly,
0 normal) and reports F1, precision, recall and accuracy on it. Following Spark ML's
``validationIndicatorCol`` (GBT classifiers), the test rows come from the DataFrame given to
``fit`` itself, marked by a boolean column, so that they pass through the same Pipeline
stages as the training rows. The accessors are generated into ``_accessors.py`` by
``python -m smspark_core.accessor_codegen`` (see ``ACCESSORS_COMMAND``; a test checks they
are current).
"""

from __future__ import annotations

from smspark_core.aws.setting import SettingDefaults, StageSetting, optional, to_str
from smspark_randomcutforest._accessors import ChannelSettingsAccessors

ACCESSORS_COMMAND = (
    "python -m smspark_core.accessor_codegen "
    "plugins/randomcutforest/src/smspark_randomcutforest/_accessors.py "
    "plugins/randomcutforest/src/smspark_randomcutforest/settings.py"
)


class ChannelSettings(ChannelSettingsAccessors, SettingDefaults):
    """Which rows of ``fit``'s DataFrame go to the ``test`` channel."""

    testIndicatorColumnName = StageSetting(
        "testIndicatorColumnName",
        "A boolean column: rows where it is true go to the test channel (with their label, "
        "1 anomaly or 0 normal), the others (false or null) to the train channel. None: no "
        "test channel.",
        optional(to_str),
        "str | None",
        default=None,
    )
