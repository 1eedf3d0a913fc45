"""Grounding evaluation: score a model's pointing with the agent's own pipeline.

samples.py     `Sample`: one screenshot, instruction and ground-truth box, any format
datasets/      the loaders, one module per format family
settings.py    `EvalSettings`: how the run asks (profile, prompt, sampling, passes)
manifest.py    ``manifest.json``: what the run scored and how; what ``--resume`` compares
job.py         one sample through its passes (frame, ask, read, refine) to its record
schedulers.py  driving the backend: concurrent threads, or batches where it batches
sample_log.py  ``samples.jsonl``, durable line by line, and resuming a folder
runner.py      `run_eval`: the parts above, in order
scoring.py     hits, `SampleRecord`, `Summary`
report.py      ``report.html`` and the misses drawn on their images
answers.py     an answers file keyed to samples, for the scripted backend
compare.py     two runs side by side
synth.py       a grounding set made from web pages
"""
