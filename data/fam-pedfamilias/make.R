# Writes trio-grandfather.fam with pedFamilias::writeFam and the likelihoods
# pedprobr computes for each of its pedigrees (results.csv).
#
# Run from this folder: Rscript make.R
# Needs pedtools, pedmut, pedprobr and pedFamilias (see README.md for the
# versions used) and ../nist1036/ (NIST public-domain data).

suppressPackageStartupMessages({
  library(pedtools)
  library(pedmut)
  library(pedprobr)
  library(pedFamilias)
})

`%||%` = function(x, y) if (is.null(x)) y else x

# --- Data: NIST 1036 people and the "All" allele frequencies ---------------

geno = read.csv("../nist1036/genotypes.csv", check.names = FALSE,
                colClasses = "character")
freq = read.csv("../nist1036/frequencies.csv", colClasses = "character")
freq = freq[freq$population == "All", ]

loci = c("TPOX", "TH01", "D21S11", "FGA", "D3S1358", "vWA", "SE33",
         "D18S51", "Penta D", "CSF1PO", "D2S1338", "D19S433")

# Frequencies as NIST rounds them (6 decimals); the most frequent allele takes
# the rounding remainder so that every locus sums to 1 exactly in decimal.
afreq = lapply(loci, function(l) {
  d = freq[freq$locus == l, ]
  f = round(as.numeric(d$frequency), 6)
  i = which.max(f)
  f[i] = round(1 - sum(f[-i]), 6)
  setNames(f, d$allele)
})
names(afreq) = loci

# Mutation models, female and male, different at most loci (kind and rate):
# what a reader that swapped the two columns would get wrong.
step = function(rate, range, rate2) list(model = "stepwise", rate = rate, range = range, rate2 = rate2)
mods = list(
  TPOX      = list(female = list(model = "proportional", rate = 0.0005), male = step(0.0015, 0.2, 0)),
  TH01      = list(female = step(0.0001, 0.5, 1e-6), male = list(model = "proportional", rate = 0.0003)),
  D21S11    = list(female = list(model = "equal", rate = 0.0005), male = step(0.002, 0.1, 1e-6)),
  FGA       = list(female = list(model = "equal", rate = 0.0008), male = step(0.003, 0.1, 2e-5)),
  D3S1358   = list(female = list(model = "equal", rate = 0.0012), male = step(0.0025, 0.15, 1e-6)),
  vWA       = list(female = step(0.0004, 0.1, 1e-6), male = step(0.0031, 0.1, 1e-6)),
  SE33      = list(female = list(model = "equal", rate = 0.0005), male = step(0.002, 0.1, 1e-6)),
  D18S51    = list(female = list(model = "proportional", rate = 0.0006), male = list(model = "equal", rate = 0.0017)),
  `Penta D` = list(female = list(model = "equal", rate = 0.0005), male = step(0.002, 0.1, 1e-6)),
  CSF1PO    = list(female = step(0.0009, 0.3, 0), male = list(model = "equal", rate = 0.0013)),
  D2S1338   = list(female = list(model = "equal", rate = 0.0005), male = step(0.002, 0.1, 1e-6)),
  D19S433   = NULL  # no mutation model
)

locusAttr = lapply(loci, function(l) {
  a = list(name = l, alleles = names(afreq[[l]]), afreq = unname(afreq[[l]]))
  m = mods[[l]]
  if (!is.null(m)) {
    a$mutmod = mutationModel(
      model = list(female = m$female$model, male = m$male$model),
      alleles = a$alleles, afreq = a$afreq,
      rate  = list(female = m$female$rate, male = m$male$rate),
      range = list(female = m$female$range, male = m$male$range),
      rate2 = list(female = m$female$rate2, male = m$male$rate2))
  }
  a
})

# --- Genotypes ---------------------------------------------------------------
# AF (alleged father) and MO (mother): two NIST Caucasian people. CH: one
# allele of each, except FGA (AF's 19 or 21 became 20: a paternal one-step
# mutation) and D3S1358 (MO's 17 became 18: a maternal mutation).
person = function(sample) {
  r = geno[geno$sample == sample, ]
  setNames(lapply(loci, function(l) c(r[[paste0(l, "_a1")]], r[[paste0(l, "_a2")]])), loci)
}
typed = list(
  AF = person("GT36864"),
  MO = person("BC11352"),
  CH = list(TPOX = c("8", "11"), TH01 = c("6", "9.3"), D21S11 = c("30", "31.2"),
            FGA = c("20", "24"), D3S1358 = c("15", "18"), vWA = c("17", "18"),
            SE33 = c("14", "28.2"), D18S51 = c("13", "14"), `Penta D` = c("9", "10"),
            CSF1PO = c("12", "13"), D2S1338 = c("20", "25"), D19S433 = c("13", "13"))
)

withData = function(x) {
  x = setMarkers(x, locusAttributes = locusAttr)
  for (id in intersect(names(typed), labels(x)))
    for (l in loci)
      x = setGenotype(x, marker = l, ids = id, geno = paste(typed[[id]][[l]], collapse = "/"))
  x
}

# --- Pedigrees ---------------------------------------------------------------
peds = list(
  # AF is the father of CH.
  H1 = ped(id = c("AF", "MO", "CH"), fid = c(0, 0, "AF"), mid = c(0, 0, "MO"), sex = c(1, 2, 1)),
  # AF is unrelated; CH's father F0 is unknown.
  H2 = list(ped(id = c("F0", "MO", "CH"), fid = c(0, 0, "F0"), mid = c(0, 0, "MO"), sex = c(1, 2, 1)),
            singleton("AF", sex = 1)),
  # AF is the paternal grandfather: CH's father FA is AF's son with GM.
  H3 = ped(id = c("AF", "GM", "FA", "MO", "CH"), fid = c(0, 0, "AF", 0, "FA"),
           mid = c(0, 0, "GM", 0, "MO"), sex = c(1, 2, 1, 2, 1)),
  # AF is the maternal grandfather: MO is AF's daughter with GM2; CH's father F1.
  H4 = ped(id = c("AF", "GM2", "MO", "F1", "CH"), fid = c(0, 0, "AF", 0, "F1"),
           mid = c(0, 0, "GM2", 0, "MO"), sex = c(1, 2, 2, 1, 1))
)
peds = lapply(peds, function(p) if (is.ped(p)) withData(p) else lapply(p, withData))

famfile = writeFam(peds, famfile = "trio-grandfather.fam",
                   params = list(dbName = "NIST 1036 All"), verbose = FALSE)

# --- Likelihoods -----------------------------------------------------------
# Per pedigree and marker, from the R objects written, and again from the
# file as pedFamilias reads it back (both must agree).
lik = function(p, l) {
  if (is.ped(p)) likelihood(p, markers = l, lump = FALSE)
  else prod(sapply(p, function(q) likelihood(q, markers = l, lump = FALSE)))
}
back = readFam(famfile, verbose = FALSE)
stopifnot(setequal(names(back), names(peds)))
rows = list()
for (h in names(peds)) for (l in loci) {
  a = lik(peds[[h]], l)
  b = lik(back[[h]], l)
  stopifnot(abs(a - b) <= 1e-12 * a)
  rows[[length(rows) + 1]] = data.frame(pedigree = h, marker = l, likelihood = a)
}
res = do.call(rbind, rows)
res$lr_vs_H2 = res$likelihood / res$likelihood[res$pedigree == "H2"][match(res$marker, loci)]
tot = aggregate(likelihood ~ pedigree, res, prod)
tot$lr_vs_H2 = tot$likelihood / tot$likelihood[tot$pedigree == "H2"]
tot$marker = "(total)"
res = rbind(res, tot[, names(res)])

out = data.frame(pedigree = res$pedigree, marker = res$marker,
                 likelihood = sprintf("%.17g", res$likelihood),
                 lr_vs_H2 = sprintf("%.17g", res$lr_vs_H2))
write.csv(out, "results.csv", row.names = FALSE, quote = FALSE)
print(out[out$marker == "(total)", ], row.names = FALSE)
pk = c("pedtools", "pedmut", "pedprobr", "pedFamilias")
cat(R.version.string, "\n", paste(pk, sapply(pk, function(p) as.character(packageVersion(p))), collapse = ", "), "\n")
