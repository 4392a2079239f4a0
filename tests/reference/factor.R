# Reference values for engagesurvey.factor (psych 2.2.9, GPArotation).
# Run from this folder: Rscript factor.R   (writes factor.json)
suppressPackageStartupMessages({library(psych); library(GPArotation); library(jsonlite)})
bfi <- read.csv("data/bfi.csv")
items <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5), paste0("N", 1:5), paste0("O", 1:5))]
hs <- read.csv("data/HolzingerSwineford1939.csv")[, paste0("x", 1:9)]

fa_out <- function(f) {
  L <- unclass(f$loadings)
  phi <- if (is.null(f$Phi)) diag(ncol(L)) else f$Phi
  list(
    loadings = unname(L), factors = colnames(L), items = rownames(L),
    phi = unname(as.matrix(phi)),
    communality = unname(f$communality), uniquenesses = unname(f$uniquenesses),
    chisq = f$STATISTIC, dof = f$dof, pvalue = f$PVAL,
    rmsea = unname(f$RMSEA[1]), rmsea_lower = unname(f$RMSEA[2]), rmsea_upper = unname(f$RMSEA[3]),
    tli = f$TLI, bic = f$BIC, objective = f$objective,
    vaccounted = unname(f$Vaccounted), vaccounted_rows = rownames(f$Vaccounted),
    values = unname(f$values), e_values = unname(f$e.values)
  )
}

cases <- list(
  list(name = "bfi5_minres_oblimin", data = "bfi", nf = 5, fm = "minres", rotate = "oblimin"),
  list(name = "bfi5_ml_varimax", data = "bfi", nf = 5, fm = "ml", rotate = "varimax"),
  list(name = "bfi5_pa_promax", data = "bfi", nf = 5, fm = "pa", rotate = "promax"),
  list(name = "bfi5_minres_geomin", data = "bfi", nf = 5, fm = "minres", rotate = "geominQ"),
  list(name = "bfi5_minres_quartimin", data = "bfi", nf = 5, fm = "minres", rotate = "quartimin"),
  list(name = "bfi5_ml_oblimin", data = "bfi", nf = 5, fm = "ml", rotate = "oblimin"),
  list(name = "bfi5_minres_quartimax", data = "bfi", nf = 5, fm = "minres", rotate = "quartimax"),
  list(name = "bfi5_minres_none", data = "bfi", nf = 5, fm = "minres", rotate = "none"),
  list(name = "bfi3_minres_oblimin", data = "bfi", nf = 3, fm = "minres", rotate = "oblimin"),
  list(name = "bfi3_ml_promax", data = "bfi", nf = 3, fm = "ml", rotate = "promax"),
  list(name = "bfi3_pa_varimax", data = "bfi", nf = 3, fm = "pa", rotate = "varimax"),
  list(name = "bfi1_minres", data = "bfi", nf = 1, fm = "minres", rotate = "oblimin"),
  list(name = "hs3_minres_oblimin", data = "hs", nf = 3, fm = "minres", rotate = "oblimin"),
  list(name = "hs3_ml_geomin", data = "hs", nf = 3, fm = "ml", rotate = "geominQ")
)
out <- list()
for (cs in cases) {
  x <- if (cs$data == "bfi") items else hs
  f <- suppressWarnings(fa(x, nfactors = cs$nf, fm = cs$fm, rotate = cs$rotate))
  r <- fa_out(f)
  r$data <- cs$data; r$nf <- cs$nf; r$fm <- cs$fm; r$rotate <- cs$rotate
  out$efa[[cs$name]] <- r
}

k <- KMO(items)
out$kmo <- list(overall = k$MSA, per_item = unname(k$MSAi), items = names(k$MSAi))
b <- suppressMessages(cortest.bartlett(items))
out$bartlett <- list(chisq = b$chisq, df = b$df, p_value = b$p.value)
kh <- KMO(hs)
out$kmo_hs <- list(overall = kh$MSA, per_item = unname(kh$MSAi))
bh <- suppressMessages(cortest.bartlett(hs))
out$bartlett_hs <- list(chisq = bh$chisq, df = bh$df, p_value = bh$p.value)

# parallel analysis: the observed eigenvalues are deterministic; the suggested numbers over seeds
pa_runs <- list()
for (seed in 1:10) {
  set.seed(seed)
  p <- fa.parallel(items, plot = FALSE)
  pa_runs[[seed]] <- list(seed = seed, nfact = p$nfact, ncomp = p$ncomp)
}
p <- pa_runs
set.seed(1)
pp <- fa.parallel(items, plot = FALSE)
out$parallel <- list(runs = p, fa_values = unname(pp$fa.values), pc_values = unname(pp$pc.values),
                     fa_sim = unname(pp$fa.sim), pc_sim = unname(pp$pc.sim))
set.seed(1)
ph <- fa.parallel(hs, plot = FALSE)
out$parallel_hs <- list(nfact = ph$nfact, ncomp = ph$ncomp, fa_values = unname(ph$fa.values))

v <- VSS(items, n = 8, plot = FALSE)
out$map <- list(map = unname(v$map))
vh <- VSS(hs, n = 8, plot = FALSE)
out$map_hs <- list(map = unname(vh$map))
out$scree <- list(values = unname(eigen(cor(items, use = "pairwise"))$values))

# the rotations on their own: GPArotation / stats / psych applied to fixed unrotated loadings
L0 <- unclass(fa(items, nfactors = 5, rotate = "none")$loadings)
ob <- GPArotation::oblimin(L0); gq <- GPArotation::geominQ(L0); qm <- GPArotation::quartimin(L0)
ob5 <- GPArotation::oblimin(L0, gam = 0.5)
qx <- GPArotation::quartimax(L0); vm <- stats::varimax(L0); pm <- psych:::kaiser(L0, rotate = "Promax")
out$rotation <- list(input = unname(L0),
  oblimin = unname(unclass(ob$loadings)), oblimin_phi = unname(ob$Phi),
  oblimin_gam05 = unname(unclass(ob5$loadings)), oblimin_gam05_phi = unname(ob5$Phi),
  geomin = unname(unclass(gq$loadings)), geomin_phi = unname(gq$Phi),
  quartimin = unname(unclass(qm$loadings)), quartimin_phi = unname(qm$Phi),
  quartimax = unname(unclass(qx$loadings)), varimax = unname(unclass(vm$loadings)),
  varimax_rotmat = unname(vm$rotmat), promax = unname(unclass(pm$loadings)), promax_phi = unname(pm$Phi))

write_json(out, "factor.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
