"""What backward's rule watches inside the worker (grader.session.backprop_rule judges).

While the submission's backward runs on the rule's wide case, its module's own forward
stands in for itself and stops the call when it is asked for params other than the
ones backward was given. Only the contract's own name is watched: a copy of forward is
judged by time; a loss evaluated at other y_pred (a numerical derivative_loss) evaluates
no network. What it notes is the submission's own material, like its return values.

This module travels into the sandbox with the worker: it imports numpy only.
"""

import numpy as np


class Elsewhere(BaseException):  # noqa: N818 - not an error of the submission's
    """Raised into a backward that evaluated the network at other params (a BaseException:
    the submission's `except Exception` does not stop it)."""


class ParamsWatch:
    """While inside: the submission module's forward stands in for itself and stops the
    call when it is asked for params other than `params` (its second argument neither
    them nor equal to them). Only the contract's own name is watched: a copy of forward
    is judged by time (grader.session.backprop_rule); a loss evaluated at other y_pred
    (a numerical derivative_loss) evaluates no network."""

    def __init__(self, module, params):
        self.module, self.params, self.elsewhere = module, params, ""
        self.original = vars(module).get("forward")

    def __enter__(self):
        if callable(self.original):
            self.module.forward = self._watched
        return self

    def __exit__(self, *exc_info):
        if callable(self.original):
            self.module.forward = self.original

    def _same_params(self, params):
        if params is self.params:
            return True
        try:
            return isinstance(params, dict) and set(params) == set(self.params) and all(
                np.array_equal(params[key], self.params[key]) for key in self.params)
        except Exception:  # noqa: BLE001 - anything odd is not the params given
            return False

    def _watched(self, *args, **kwargs):
        if not self._same_params(args[1] if len(args) > 1 else kwargs.get("params")):
            self.elsewhere = "forward"
            raise Elsewhere
        return self.original(*args, **kwargs)
