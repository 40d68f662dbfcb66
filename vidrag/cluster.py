"""What `vidrag index --ray` decides before it touches Ray: kept free of Ray (and of the indexers)
so the CLI can catch ClusterError and the GPU arithmetic can be tested on any machine."""
from __future__ import annotations

import math


class ClusterError(RuntimeError):
    """Ray is not installed, cannot be started or joined, or cannot place what the run needs;
    the message (one line) says which."""


def gpu_shares(n_cuda: int, cluster_gpus: float, gpus_per_actor: float = 0.0,
               actors_per_stage: int = 0) -> tuple[int, float]:
    """(actors per cuda stage's pool, GPUs each actor asks for) for `n_cuda` stages on cuda.

    `gpus_per_actor` 0 (the default) shares the cluster's GPUs: each stage gets one actor per
    whole GPU (at least one) and the GPUs are split evenly between all those actors, rounded
    down to 0.01 (1 GPU and the gpu profile's 5 cuda stages: 0.2 each). A set `gpus_per_actor`
    is taken as given. Raises ClusterError when the pools would need more GPUs than there are
    (Ray would otherwise wait for them forever)."""
    if n_cuda <= 0:
        return 0, 0.0
    size = actors_per_stage or max(1, int(cluster_gpus))
    if gpus_per_actor > 0:
        each = gpus_per_actor
    else:
        each = math.floor(cluster_gpus / (n_cuda * size) * 100 + 1e-6) / 100
    need = n_cuda * size * each
    if each <= 0 or need > cluster_gpus + 1e-6:
        what = f"{n_cuda} stage{'s' * (n_cuda != 1)} on cuda, {size} actor{'s' * (size != 1)} each"
        asks = f"{need:g} GPUs ({what}, {each:g} GPU each)" if each > 0 else f"GPUs ({what})"
        fix = "lower ray.gpus_per_actor / ray.actors_per_stage" if cluster_gpus > 0 else "use a cluster with GPUs"
        raise ClusterError(f"the GPU actor pools need {asks} but the Ray cluster has {cluster_gpus:g}: "
                           f"run those stages on cpu, or {fix}")
    return size, each
