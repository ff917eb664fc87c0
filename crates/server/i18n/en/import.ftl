# The import page (import.html).

import-title = Import
import-heading = Import a lab file
# The report of an import: $count is the rows in words ("3 DNA profiles"),
# $candidates is import-report-candidates.
import-report = { $file }: { $count } in the file, { $added } added, { $unchanged } already stored; { $candidates }.
import-report-candidates = { $n ->
        [one] { $n } new candidate
       *[other] { $n } new candidates
    }
import-kind = Kind
import-file = File
import-submit = Import
import-columns = The columns of each file
import-columns-cases = Cases
import-columns-references = References (relatives who gave DNA)
import-columns-found = Found children
import-columns-volunteers = Clan volunteers (their Y-DNA comes in a profiles file under the same sample names; known_cases: the case ids his clan knows of, separated by ;)
import-columns-profiles = Profiles: a GeneMapper ID-X genotype table
import-columns-frequencies = Frequencies: the Familias list format or a long CSV
import-columns-haplotypes = Y-STR population haplotypes: a CSV of one row per man, one column per locus (DYS19, DYS385 as 11-14, ...)
