# Reference values for engagesurvey.reliability (alpha family, split-half, ordinal alpha).
# Run from this folder: Rscript reliability.R   (writes reliability.json)
suppressPackageStartupMessages(library(psych))
stopifnot(packageVersion("psych") == "2.2.9")
bfi <- read.csv("data/bfi.csv")
A <- bfi[, c("A1", "A2", "A3", "A4", "A5")]
C <- bfi[, c("C1", "C2", "C3", "C4", "C5")]

alpha_ref <- function(x, keys, use) {
  a <- suppressWarnings(psych::alpha(x, keys = keys, use = use))
  tot <- a$total
  z <- qnorm(0.975)
  list(
    n_rows = nrow(x),
    raw_alpha = tot$raw_alpha, std_alpha = tot$std.alpha, g6 = tot[["G6(smc)"]],
    average_r = tot$average_r, signal_noise = tot[["S/N"]], ase = tot$ase,
    mean = tot$mean, sd = tot$sd, median_r = tot$median_r, var_r = unname(a$var.r),
    feldt_lower = a$feldt$lower.ci[[1]], feldt_upper = a$feldt$upper.ci[[1]],
    feldt90 = unlist(alpha.ci(tot$raw_alpha, nrow(x), ncol(x), p.val = 0.10)[c("lower.ci", "upper.ci")]),
    duhachek_lower = tot$raw_alpha - z * tot$ase, duhachek_upper = tot$raw_alpha + z * tot$ase,
    items = sub("-$", "", rownames(a$item.stats)),
    item_stats = list(
      n = a$item.stats$n, raw_r = a$item.stats$raw.r, std_r = a$item.stats$std.r,
      r_cor = a$item.stats$r.cor, r_drop = a$item.stats$r.drop,
      mean = a$item.stats$mean, sd = a$item.stats$sd),
    alpha_drop = list(
      raw_alpha = a$alpha.drop$raw_alpha, std_alpha = a$alpha.drop$std.alpha,
      g6 = a$alpha.drop[["G6(smc)"]], average_r = a$alpha.drop$average_r,
      signal_noise = a$alpha.drop[["S/N"]], alpha_se = a$alpha.drop[["alpha se"]],
      var_r = a$alpha.drop$var.r, med_r = a$alpha.drop$med.r)
  )
}

out <- list(psych_version = as.character(packageVersion("psych")))
out$alpha_A_pairwise <- alpha_ref(A, "A1", "pairwise")
out$alpha_A_listwise <- alpha_ref(A, "A1", "complete.obs")
out$alpha_C_pairwise <- alpha_ref(C, c("C4", "C5"), "pairwise")
out$alpha_C_listwise <- alpha_ref(C, c("C4", "C5"), "complete.obs")
out$alpha_two_items <- alpha_ref(A[, c("A2", "A3")], NULL, "pairwise")

# psych's bootstrap (n.iter) for a Monte Carlo comparison only
set.seed(1)
ab <- psych::alpha(A, keys = "A1", n.iter = 1000)
out$alpha_A_boot_ci <- unname(ab$boot.ci[c(1, 3)])

# ordinal alpha: psych::alpha on the polychoric matrix (A1 reversed as 7 - x)
Ar <- A; Ar$A1 <- 7 - Ar$A1
pr <- polychoric(Ar)$rho
ao <- psych::alpha(pr)
out$ordinal_alpha_A <- list(std_alpha = ao$total$std.alpha, raw_alpha = ao$total$raw_alpha)

# ordinal omega: psych::omega on the polychoric matrix of A, C, E (A1, C4, C5, E1, E2 reversed)
X15 <- bfi[, c(paste0("A", 1:5), paste0("C", 1:5), paste0("E", 1:5))]
for (v in c("A1", "C4", "C5", "E1", "E2")) X15[[v]] <- 7 - X15[[v]]
om <- suppressWarnings(omega(polychoric(X15)$rho, nfactors = 3, plot = FALSE))
out$ordinal_omega_ACE <- list(omega_h = om$omega_h, omega_total = om$omega.tot, alpha = om$alpha)

# split-half on 10 items (A1, C4, C5 reversed first)
X10 <- cbind(A, C); X10$A1 <- 7 - X10$A1; X10$C4 <- 7 - X10$C4; X10$C5 <- 7 - X10$C5
sh_ref <- function(x, covar = FALSE) {
  s <- splitHalf(x, raw = TRUE, check.keys = FALSE, covar = covar)
  r <- cov(x, use = "pairwise"); if (!covar) r <- cov2cor(r)
  k <- ncol(x); h <- trunc(k / 2)
  sb <- function(a) {   # a: logical, TRUE = first half
    R <- t(cbind(a, !a)) %*% r %*% cbind(a, !a)
    rab <- R[1, 2] / sqrt(R[1, 1] * R[2, 2])
    c(r_halves = rab, spearman_brown = 2 * rab / (1 + rab), guttman = 4 * R[1, 2] / sum(R))
  }
  list(maxrb = s$maxrb, minrb = s$minrb, meanr = s$meanr, av_r = s$av.r, med_r = s$med.r,
       alpha = s$alpha, lambda2 = s$lambda2, lambda6 = s$lambda6, ci = unname(s$ci),
       n_splits = length(s$raw),
       first_second = as.list(sb(seq_len(k) <= h)),
       odd_even = as.list(sb(seq_len(k) %% 2 == 1)))
}
out$split_half_10 <- sh_ref(X10)
out$split_half_9 <- sh_ref(X10[, 1:9])
out$split_half_10_covar <- sh_ref(X10, covar = TRUE)
jsonlite::write_json(out, "reliability.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
