"""smspark's errors for bad input share one base class, and stay ValueErrors for code that
catches those."""

from __future__ import annotations


def test_every_error_smspark_raises_for_bad_input_has_one_base():
    from smspark_local.toolkit.channels import ChannelFormatError

    from smspark_core.algorithms.estimator import MissingHyperParameterError
    from smspark_core.algorithms.images import UnsupportedRegionError
    from smspark_core.codecs.hyperparameter_table import HyperparameterError
    from smspark_core.codecs.libsvm import LibSVMParseError
    from smspark_core.codecs.mxnet_ndarray import NDArrayFormatError
    from smspark_core.codecs.recordio import RecordIOError
    from smspark_core.foundation.errors import SmsparkError

    for error in (
        MissingHyperParameterError,
        UnsupportedRegionError,
        LibSVMParseError,
        NDArrayFormatError,
        RecordIOError,
        ChannelFormatError,
        HyperparameterError,
    ):
        assert issubclass(error, SmsparkError) and issubclass(error, ValueError), error
