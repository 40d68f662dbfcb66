"""`--ray` on a real 2-node Ray cluster (ray.cluster_utils.Cluster: two raylets on this machine,
one CPU each): videos run on both nodes and the library equals a local run's."""
import pytest

from conftest import copy, text_video
from ray_rows import assert_same_rows, index_locally, library_rows
from vidrag.config import load_config
from vidrag.library import Library

ray = pytest.importorskip("ray")
from ray.cluster_utils import Cluster  # noqa: E402


@pytest.fixture(scope="module")
def two_nodes():
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False,
                                                            "object_store_memory": 150 * 2**20})
    cluster.add_node(num_cpus=1, object_store_memory=150 * 2**20)
    ray.init(address=cluster.address, log_to_driver=False)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def test_two_nodes_index_the_same_rows_as_a_local_run(two_nodes, samples, tmp_path):
    (tmp_path / "in").mkdir()
    files = [copy(samples["bikes.mp4"], tmp_path / "in" / "bikes.mp4"),
             text_video(tmp_path / "in" / "signs.mp4", ["EXIT 12", "", "PLATFORM 3"])]
    stages = ["ocr", "objects", "caption", "embed"]
    want = index_locally(tmp_path / "local", files, stages)
    notes, events, boards = [], [], set()

    def on_event(e):
        events.append(e)
        if not boards:   # where the progress board runs: pinned to the driver's node
            from ray._private import state
            boards.update(a["Address"]["NodeID"] for a in state.actors().values()
                          if a["ActorClassName"] == "Board" and a["State"] == "ALIVE")

    cfg = load_config(overrides={"library": str(tmp_path / "ray")}, environ={})
    with Library(config=cfg) as lib:
        outcomes = lib.index(files, stages=stages, ray="auto", note=notes.append, on_event=on_event)
    assert boards == {ray.get_runtime_context().get_node_id()}
    assert [o.status for o in outcomes] == ["indexed", "indexed"]
    assert "2 nodes, 2 CPUs, 0 GPUs" in notes[0]
    assert len({e.node for e in events if e.node != "driver"}) == 2      # both nodes computed a video
    assert_same_rows(library_rows(tmp_path / "ray"), want)
    assert "PLATFORM 3" in library_rows(tmp_path / "ray")["signs.mp4"]["scenes"][-1][4]
