"""Demo dataset for 成都: a deterministic generator and the files it writes under data/demo/."""
