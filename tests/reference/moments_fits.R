# Reference values for fits from sample moments (engagesurvey.moments.Moments passed to alpha/omega/cfa/
# invariance): psych::alpha of the complete rows, psych::omega of a correlation matrix, and lavaan fits
# from sample.cov/sample.mean/sample.nobs (single group, and a list of groups in sorted order, as
# Moments.from_frame keeps them) with the invariance sequence (lavTestLRT).
# Run from this folder: Rscript moments_fits.R  (writes moments_fits.json)
suppressPackageStartupMessages({library(psych); library(GPArotation); library(lavaan)})
stopifnot(packageVersion("psych") == "2.2.9", packageVersion("lavaan") == "0.6.14")
bfi <- read.csv("data/bfi.csv")
hs <- read.csv("data/HolzingerSwineford1939.csv")
xs <- paste0("x", 1:9)

alpha_ref <- function(x, keys) {
  a <- suppressWarnings(psych::alpha(x, keys = keys))
  tot <- a$total
  z <- qnorm(0.975)
  list(
    n_rows = nrow(x),
    raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, g6 = tot[["G6(smc)"]],
    average_r = tot$average_r, signal_noise = tot[["S/N"]], ase = tot$ase,
    mean = tot$mean, sd = tot$sd, median_r = tot$median_r, var_r = unname(a$var.r),
    feldt_lower = a$feldt$lower.ci[[1]], feldt_upper = a$feldt$upper.ci[[1]],
    duhachek_lower = tot$raw_alpha - z * tot$ase, duhachek_upper = tot$raw_alpha + z * tot$ase,
    items = sub("-$", "", rownames(a$item.stats)),
    item_stats = list(
      n = a$item.stats$n, raw_r = a$item.stats$raw.r, std_r = a$item.stats$std.r,
      r_cor = a$item.stats$r.cor, r_drop = a$item.stats$r.drop,
      mean = a$item.stats$mean, sd = a$item.stats$sd),
    alpha_drop = list(raw_alpha = a$alpha.drop$raw_alpha, std_alpha = a$alpha.drop$std.alpha,
                      g6 = a$alpha.drop[["G6(smc)"]], alpha_se = a$alpha.drop[["alpha se"]])
  )
}

out <- list(psych_version = as.character(packageVersion("psych")),
            lavaan_version = as.character(packageVersion("lavaan")))
A <- bfi[, paste0("A", 1:5)]
C <- bfi[, paste0("C", 1:5)]
out$alpha_A <- alpha_ref(A[complete.cases(A), ], "A1")     # reversed as min + max - x = 7 - x
out$alpha_C <- alpha_ref(C[complete.cases(C), ], c("C4", "C5"))

# omega from the complete rows' covariance matrix of 10 bfi items (A and C), as correlations (psych
# treats a covariance matrix that is not a correlation matrix as raw data unless covar = TRUE)
AC <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5))]
AC <- AC[complete.cases(AC), ]
om <- suppressMessages(suppressWarnings(omega(cov2cor(cov(AC)), nfactors = 2, n.obs = nrow(AC), plot = FALSE)))
out$omega_AC <- list(n = nrow(AC), omega_h = om$omega_h, omega_total = om$omega.tot, alpha = om$alpha,
                     group = unname(as.matrix(om$omega.group)), sl = unname(om$schmid$sl),
                     sl_rows = rownames(om$schmid$sl), sl_cols = colnames(om$schmid$sl))

# lavaan from sample statistics (cov with the n - 1 denominator, as lavaan's sample.cov)
model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
pack <- function(fit) list(pe = parameterEstimates(fit, standardized = TRUE), fm = as.list(fitMeasures(fit)))
X <- hs[, xs]
single <- cfa(model, sample.cov = cov(X), sample.nobs = nrow(X))
single_mean <- cfa(model, sample.cov = cov(X), sample.mean = colMeans(X), sample.nobs = nrow(X),
                   meanstructure = TRUE)
schools <- sort(unique(hs$school))                          # Moments.from_frame sorts the group values
covs <- lapply(schools, function(s) cov(hs[hs$school == s, xs]))
means <- lapply(schools, function(s) colMeans(hs[hs$school == s, xs]))
ns <- sapply(schools, function(s) sum(hs$school == s))
names(covs) <- names(means) <- names(ns) <- schools
eq <- list(configural = character(0), metric = "loadings", scalar = c("loadings", "intercepts"),
           strict = c("loadings", "intercepts", "residuals"))
fits <- lapply(eq, function(e) {
  if (length(e) == 0) cfa(model, sample.cov = covs, sample.mean = means, sample.nobs = ns)
  else cfa(model, sample.cov = covs, sample.mean = means, sample.nobs = ns, group.equal = e)
})
lrt <- lavTestLRT(fits$configural, fits$metric, fits$scalar, fits$strict)
out$cfa <- list(model = model, single = pack(single), single_mean = pack(single_mean), groups = schools,
                fm = lapply(fits, function(f) as.list(fitMeasures(f))),
                pe = lapply(fits, function(f) parameterEstimates(f, standardized = TRUE)),
                lrt = list(chisq_diff = lrt[["Chisq diff"]], df_diff = lrt[["Df diff"]], p = lrt[["Pr(>Chisq)"]]))
jsonlite::write_json(out, "moments_fits.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
