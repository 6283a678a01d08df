"""flopscope.Result: one analysis, as records per module and as every report the command line writes."""
import json


class Result:
    """An analysis of a model.

    flops (multiply-adds, mmengine's #flops), activations and params are the model's totals; modules is one dict
    per module (name, type, parameters, macs, flops = 2 x macs, activations, called, and on CUDA the GPU pass's
    fields), as the JSON report has them. report(format) gives any format of `flopscope analyze --format`: table,
    arch, summary, operators, gpu, counters, json, csv. to_json() is the JSON report, which `flopscope compare`
    reads.
    """

    def __init__(self, core):
        self.core = core
        self._json = None

    @property
    def flops(self):
        return float(self.core.flops) if self.core.flops_is_float else self.core.flops

    @property
    def macs(self):
        return self.core.flops

    @property
    def activations(self):
        return self.core.activations

    @property
    def params(self):
        return self.core.params

    @property
    def warnings(self):
        return list(self.core.warnings)

    @property
    def gpu_ran(self):
        """Whether the GPU timing pass ran (CUDA only); gpu_skipped_reason says why not."""
        return self.core.gpu_ran

    @property
    def gpu_skipped_reason(self):
        return self.core.gpu_skipped_reason

    def report(self, format="table", max_depth=None):
        return self.core.report(format, 3 if max_depth is None else max_depth)

    def to_json(self):
        return self.core.report("json")

    def to_dict(self):
        if self._json is None:
            self._json = json.loads(self.to_json())
        return self._json

    @property
    def modules(self):
        return self.to_dict()["modules"]

    def to_pandas(self):
        """The per-module records as a pandas DataFrame indexed by module path (needs pandas)."""
        try:
            import pandas
        except ImportError as e:
            raise ImportError("Result.to_pandas() needs pandas: pip install pandas") from e
        rows = [{k: v for k, v in m.items() if not isinstance(v, (list, dict))} for m in self.modules]
        return pandas.DataFrame(rows).set_index("path")

    def chrome_trace(self):
        """The GPU timing pass as a Chrome trace (JSON text), when analyze(chrome_trace=True) ran on CUDA."""
        return self.core.chrome_trace()

    def __repr__(self):
        return f"<flopscope.Result flops={self.core.flops_str} params={self.core.params_str}>"


