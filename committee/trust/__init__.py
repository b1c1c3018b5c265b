"""Trust the verdict: would the committee say the same again, in another order, with
another name or school on the packet, and does the debate change anything?

One module per job, each a plain function over the runner API and the store:

- `stability`: re-run the committee K times with shuffled speaking and section order;
- `probes`: counterfactual variants (name, school, employer, pronouns) and what moved;
- `conformity`: sealed (blind) vote vs final vote per persona; stats over stored runs;
- `calibrate`: agreement with a labelled folder of packets (MANIFEST.yaml);
- `export`: a self-contained debrief report (Markdown, HTML, JSON).

Every study's runs are ordinary stored runs; studies themselves are rows of the
`studies` table (see `committee.store.runs`).
"""
