# report: en
# The report of a candidate for police and courts (templates/report.html).

report-title = Report, candidate #{ $id }
report-back = Back to the candidate
report-print = Print this page, or save it as a PDF from the print dialog (the menu is not printed); or download the report as a PDF file.
report-heading = DNA kinship report
report-candidate = Candidate #{ $id }
report-made = made { $made }
report-found-child = found child
report-case = case
report-not-confirmed = Not confirmed.
report-not-confirmed-detail = This candidate is { $status }: no second case worker has confirmed it, so this report is not a conclusion.
report-question = The question
report-question-text = Is the found child { $found } the missing child of case { $case }? The DNA of the child was compared with the DNA of the family's relatives listed below, under two hypotheses.
report-hypothesis-1 = Hypothesis 1
report-hypothesis-1-text = { $found } is the missing child of this family, in the place the drawing shows.
report-hypothesis-2 = Hypothesis 2
report-hypothesis-2-text = { $found } is not related to these relatives: someone else from the same population.
report-relative = Relative
report-name = Name
report-sample = Sample
report-result = The result
# Around the LR in bold: "The DNA findings are <strong>3.4 × 10³²</strong> times …".
report-lr-before = The DNA findings are
report-lr-after = times more probable under hypothesis 1 than under hypothesis 2 (likelihood ratio, LR; { $n ->
        [one] { $n } DNA marker
       *[other] { $n } DNA markers
    } compared).
report-enfsi-scale = Verbal scale of the ENFSI Guideline for Evaluative Reporting in Forensic Science (2015): LR 2–10 weak, 10–100 moderate, 100–1,000 moderately strong, 1,000–10,000 strong, 10,000–1,000,000 very strong, above 1,000,000 extremely strong support.
# Before and after the posterior in bold; the trailing space is kept.
report-posterior-before = Probability that { $found } is this family's child, from the DNA and the facts:{ " " }
report-posterior-after = . The prior: one half that the child has a family in the registry, spread evenly over the { $compatible } open cases whose facts fit the child; the other half that the family is not registered.
report-category = Category
report-facts = The facts
report-fact = Fact
report-verdict = Verdict
report-detail = Detail
report-markers = The DNA markers
report-marker = Marker
report-found-child-column = Found child
report-lr = LR
report-does-not-fit = does not fit
report-method = Method
report-model = Mutation model
report-frequencies = Allele frequencies
report-exact = Exact likelihoods of the family's pedigree, marker by marker, multiplied over the markers (independent markers).
report-review = Review
report-no-review = No case worker has reviewed this candidate yet.
report-step = Step
report-case-worker = Case worker
report-when = When
report-status-now = Status now
report-pdf-hypothesis-1-text = { $found } is the missing child of this family, related to the relatives below as the case records them.
report-pdf-footer = Reunite · DNA kinship report, candidate #{ $id } · page { $page } of { $pages }
report-pdf = Download the report as a PDF
