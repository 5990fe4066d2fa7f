#!/usr/bin/env python3
"""Time Tok against tokenizers / sentencepiece on the same text, one core each (development).

  pip install tokenizers==0.23.3 sentencepiece==0.2.3
  swift build -c release && python3 tools/format_bench.py ../shared/corpus/english/english_prose_gutenberg.txt

The first 4,000,000 characters, encoded as one text. Tok's figure is the `tok encode` run minus a
run on empty input (process start and file load); load times are listed apart. Prints a Markdown
row per tokenizer with "same ids" checked.
"""
import os, subprocess, sys, time, json
HERE = os.path.dirname(os.path.abspath(__file__))
TOK = os.path.join(HERE, "..", ".build", "release", "tok")
os.environ["RAYON_NUM_THREADS"] = "1"
from tokenizers import Tokenizer
import sentencepiece as spm
text = open(sys.argv[1], encoding='utf-8').read()[:4_000_000]
open('/tmp/bench_in.txt','w',encoding='utf-8').write(text)
nb = len(text.encode())
V=os.path.join(HERE, '..', '..', 'shared', 'vocab') + '/'
def tok_time(vocab, extra):
    best=1e9; ids=None
    for _ in range(3):
        t=time.perf_counter(); out=subprocess.run([TOK,'encode','--vocab',vocab,*extra,'/tmp/bench_in.txt'],capture_output=True,check=True).stdout; t=time.perf_counter()-t
        best=min(best,t); ids=list(map(int,out.split()))
    t0=min(_t() for _t in [lambda: (lambda s: (subprocess.run([TOK,'encode','--vocab',vocab,*extra],input=b'',capture_output=True), time.perf_counter()-s)[1])(time.perf_counter()) for _ in range(2)])
    return best, t0, ids
print('| tokenizer | reference | Tok | ratio | reference load | Tok start+load | same ids |')
print('| --- | --- | --- | --- | --- | --- | --- |')
for name, path, extra in [("Llama-3 tokenizer.json", V+'llama3/tokenizer.json', ['--special-as-text']),
                          ("DeepSeek V4 tokenizer.json", V+'deepseek-v4/tokenizer.json', ['--special-as-text']),
                          ("BERT WordPiece", V+'bert-all-MiniLM-L6-v2/tokenizer.json', ['--special-as-text']),
                          ("Mistral v1 SentencePiece", V+'mistral/tokenizer.model.v1', ['--special-as-text']),
                          ("Mistral v3 SentencePiece", V+'mistral/mistral_instruct_tokenizer_240323.model.v3', ['--special-as-text'])]:
    if path.endswith('.json'):
        ref = Tokenizer.from_file(path); ref.no_padding(); ref.no_truncation()
        lt=time.perf_counter(); Tokenizer.from_file(path); lt=time.perf_counter()-lt
        best=1e9
        for _ in range(3):
            t=time.perf_counter(); r=ref.encode(text, add_special_tokens=False).ids; best=min(best,time.perf_counter()-t)
    else:
        lt=time.perf_counter(); ref = spm.SentencePieceProcessor(model_file=path); lt=time.perf_counter()-lt
        best=1e9
        for _ in range(3):
            t=time.perf_counter(); r=ref.encode(text); best=min(best,time.perf_counter()-t)
    tt, t0, ids = tok_time(path, extra)
    enc = tt - t0
    print(f"| {name} | {nb/best/1e6:.1f} MB/s | {nb/enc/1e6:.1f} MB/s | {best/enc:.1f}× | {lt*1000:.0f} ms | {t0*1000:.0f} ms | {'yes' if ids==r else 'NO'} |")
