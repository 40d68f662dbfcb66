import pytest

from vidrag.config import ConfigError, load_config


def test_precedence_file_then_env_then_flags(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('library = "/from/file"\n[scenes]\nmax_len = 20\nmin_len = 3\n[asr]\nmodel = "tiny.en"\n')
    env = {"VIDRAG_SCENES__MAX_LEN": "25", "VIDRAG_LIBRARY": "/from/env"}
    cfg = load_config(f, {"library": "/from/flag"}, environ=env)
    assert cfg.library == "/from/flag"
    assert cfg.scenes.max_len == 25.0 and cfg.scenes.min_len == 3.0
    assert cfg.asr.model == "tiny.en"
    assert load_config(f, environ=env).library == "/from/env"
    assert load_config(f, environ={}).library == "/from/file"


def test_profiles_and_stage_hashes():
    cpu = load_config(environ={})
    gpu = load_config(overrides={"profile": "gpu"}, environ={})
    assert cpu.asr.device == "cpu" and gpu.asr.device == "cuda"
    assert cpu.stage_hash("asr") != gpu.stage_hash("asr")
    assert cpu.stage_hash("scenes") == gpu.stage_hash("scenes")


def test_bad_config_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenes\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, environ={})
    bad.write_text("colour = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        load_config(bad, environ={})
    with pytest.raises(ConfigError, match="unknown profile"):
        load_config(overrides={"profile": "tpu"}, environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", environ={})
    with pytest.raises(ConfigError, match="expected a number"):
        load_config(environ={"VIDRAG_SCENES__MAX_LEN": "long"})


def test_options_tables_merge_across_layers(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('[llm.options]\ntimeout = 5\n')
    cfg = load_config(f, {"llm": {"options": {"url": "http://x/v1"}}}, environ={"VIDRAG_LLM__OPTIONS": '{"retries": 0}'})
    assert cfg.llm.options == {"timeout": 5, "retries": 0, "url": "http://x/v1"}
