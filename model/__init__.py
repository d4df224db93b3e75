"""The industry-chain model: parameters, wiring, step order, markets, reporters."""

#: Version of the model's behaviour, part of every experiment run's ``run_id``. Bump it
#: deliberately when a change alters results for a given scenario and seed, so that resumed
#: experiments re-run instead of mixing old and new numbers (not the git commit, or every
#: commit would re-plan everything).
MODEL_VERSION = "1"
