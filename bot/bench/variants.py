"""Paraphrase-retrieval variants measured for issue 11 (kept in history only; rejected ones were removed next commit).
Run: .venv/bin/python -c "import bot.bench.variants as v; v.run('x'); v.thesaurus_grid(); v.prf_grid(); v.heading_grid(); v.skip_grid(); v.struct_grid(); v.query_grid()" """
import sys, json, time, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bot.config import Settings
from bot.ingest.indexer import Indexer
from bot.retrieval.snapshot import read_current
from bot.retrieval.retriever import Retriever
from bot.retrieval.evaluate import load_queries, evaluate_method
from bot.text import tokenize

SETS = {"pages": ("/work/shared/eval/pages/queries.jsonl", "/work/shared/eval/pages/corpus"),
        "dev": ("/work/shared/eval/retrieval_dev.jsonl", "/work/shared/seeds"),
        "probe": (str(Path(__file__).with_name("paraphrase_probe.jsonl")), str(Path(__file__).resolve().parents[2] / "corpus"))}
_cache = {}
def retriever(name, rebuild=False):
    if name in _cache and not rebuild: return _cache[name]
    q, c = SETS[name]
    tmp = tempfile.mkdtemp()
    s = Settings(_env_file=None, data_dir=Path(tmp), chroma_url="", dense_weight=0.0)
    Indexer(s).build([Path(c)])
    r = Retriever(read_current(s.index_dir))
    _cache[name] = (r, load_queries(Path(q)))
    return _cache[name]

def run(label, rebuild=False, verbose=False):
    out = {}
    for name in SETS:
        r, qs = retriever(name, rebuild)
        m, ranks = evaluate_method(lambda q: [h.passage.text for h in r.search(q, k=10, method="lexical")], qs)
        out[name] = m
        if verbose:
            for qq, rk in zip(qs, ranks):
                if rk != 1: print(f"   {name} {qq.id} rank={rk} {qq.query}")
    print(f"{label:<40}" + "  ".join(f"{n}: h1 {m['hit@1']:.3f} h5 {m['hit@5']:.3f} h10 {m['hit@10']:.3f} mrr {m['mrr@10']:.3f} p50 {m['p50_ms']:.1f}" for n, m in out.items()), flush=True)
    return out

if __name__ == "__main__":
    run("current", verbose="-v" in sys.argv)

def thesaurus_grid():
    from bot.retrieval import lexical as lx
    for fields in (("words",), ("words", "bigrams")):
        for w in (0.1, 0.2, 0.3, 0.4):
            lx.THESAURUS_WEIGHT, lx.THESAURUS_FIELDS = w, fields
            run(f"cilin w={w} {'+'.join(fields)}")
    lx.THESAURUS_WEIGHT = 0.0

def prf_grid():
    from bot.retrieval import lexical as lx
    for docs in (2, 3, 5):
        for terms in (5, 10, 20):
            for w in (0.1, 0.2, 0.3, 0.5):
                lx.PRF_WEIGHT, lx.PRF_DOCS, lx.PRF_TERMS = w, docs, terms
                run(f"prf docs={docs} terms={terms} w={w}")
    lx.PRF_WEIGHT = 0.0

def heading_grid():
    from bot.retrieval import lexical as lx
    for title in (False, True):
        for grams in (False, True):
            lx.HEADINGS_WITH_TITLE, lx.HEADING_BIGRAMS = title, grams
            for w in (0.25, 0.5, 0.75, 1.0):
                lx.FIELD_WEIGHTS["headings"] = w
                run(f"head title={title} bigrams={grams} w={w}", rebuild=(w == 0.25))
    lx.HEADINGS_WITH_TITLE, lx.HEADING_BIGRAMS = False, False
    lx.FIELD_WEIGHTS["headings"] = 0.5

def skip_grid():
    from bot.retrieval import lexical as lx
    for gap in (1, 2):
        lx.SKIP_MAX_GAP = gap
        for w in (0.1, 0.25, 0.5):
            lx.SKIP_WEIGHT = w
            run(f"skipgrams gap<={gap} w={w}", rebuild=(w == 0.1))
    lx.SKIP_WEIGHT = 0.0

def struct_grid():
    from bot.retrieval import retriever as rt
    for w in (0.1, 0.2, 0.3, 0.5, 0.75):
        rt.STRUCT_WEIGHT = w
        for name in _cache: _cache[name][0]._places = None
        run(f"opening/closing cue w={w}")
    rt.STRUCT_WEIGHT = 0.0

def query_grid():
    from bot.text import tokenize as tk
    orig_qw, orig_qb = tk.query_words, tk.query_bigrams
    def qw_no_single(query):
        base, extra = orig_qw(query)
        kept = [w for w in base if len(w) > 1 or not tk._HAN.match(w)]
        return (kept or base), extra
    def qb_within_words(query):
        grams, extra = orig_qb(query)
        inside = set()
        for w in orig_qw(query)[0]:
            inside.update(tk.bigrams(w))
        kept = [g for g in grams if g in inside]
        return (kept or grams), extra
    for label, qw, qb in (("query: no 1-char words", qw_no_single, orig_qb),
                          ("query: bigrams within words", orig_qw, qb_within_words),
                          ("query: both", qw_no_single, qb_within_words)):
        tk.query_words, tk.query_bigrams = qw, qb
        run(label)
    tk.query_words, tk.query_bigrams = orig_qw, orig_qb
