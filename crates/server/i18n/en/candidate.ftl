# candidate: en
# The page of a candidate match (templates/candidate.html) and the
# same-DNA warning of the case, found-child, candidate and report pages
# (templates/same_dna.html).

candidate-title = Candidate #{ $id }
candidate-heading = Candidate #{ $id }
candidate-found-child = found child
candidate-case = case
candidate-status = Status
candidate-category = Category
candidate-report-link = Report for police and courts
# Around the LR in bold: "The DNA is <strong>3.4 × 10³²</strong> times more likely …".
candidate-lr-before = The DNA is
candidate-lr-after = times more likely if this child is the family's missing child than if not (likelihood ratio, { $n ->
        [one] { $n } DNA marker
       *[other] { $n } DNA markers
    } compared).
candidate-posterior = Probability that this is the family's child, from the DNA and the facts
candidate-model = mutation model
candidate-frequencies = allele frequencies
candidate-drawing-heading = The found child in the family
candidate-chart-heading = How this family compares with the other families scored for the child
candidate-scored = { $scored } cases scored; the posterior is shared among the { $compatible } open cases whose facts fit this child.
candidate-facts = Facts
candidate-fact = Fact
candidate-verdict = Verdict
candidate-detail = Detail
candidate-markers = DNA markers
candidate-marker = Marker
candidate-found-child-column = Found child
candidate-lr = LR
candidate-does-not-fit = does not fit
candidate-history = Review history
candidate-no-history = No step yet.
# "worker1 moved it from New to Under review" in two parts.
candidate-moved-by = { $actor } moved it
candidate-moved-from-to = from { $from } to { $to }
candidate-decision = Decision
candidate-no-further-step = No further step.
candidate-same-dna = Same DNA
