# Reference values for engagesurvey.qual.agreement: Cohen's kappa, Fleiss' kappa and Krippendorff's
# alpha computed in base R from their published formulas (irr is not installable here), plus
# psych::cohen.kappa. Run from tests/reference/: Rscript qual_kappa.R -> qual_kappa.json and
# data/qual_coded.csv, data/qual_diagnoses.csv.
suppressPackageStartupMessages(library(jsonlite))
suppressPackageStartupMessages(library(psych))

# ---- formulas -------------------------------------------------------------------------------------
cohen <- function(a, b, levels) {
  t <- table(factor(a, levels = levels), factor(b, levels = levels))
  n <- sum(t); p <- t / n; r <- rowSums(p); cs <- colSums(p)
  po <- sum(diag(p)); pe <- sum(r * cs)
  k <- (po - pe) / (1 - pe)
  # Fleiss, Cohen & Everitt (1969)
  A <- sum(diag(p) * ((1 - pe) - (r + cs) * (1 - po))^2)
  Bm <- outer(cs, r, "+")^2 * p           # p_ij (p_.i + p_j.)^2
  B <- (1 - po)^2 * (sum(Bm) - sum(diag(Bm)))
  C <- (po * pe - 2 * pe + po)^2
  v <- (A + B - C) / (n * (1 - pe)^4)
  v0 <- (pe + pe^2 - sum(r * cs * (r + cs))) / (n * (1 - pe)^2)
  list(kappa = k, se = sqrt(v), z = k / sqrt(v0), n = n, p_o = po)
}
fleiss <- function(counts) {        # units x categories, same number of raters per unit
  N <- nrow(counts); m <- sum(counts[1, ])
  pj <- colSums(counts) / (N * m); qj <- 1 - pj
  Pi <- (rowSums(counts^2) - m) / (m * (m - 1))
  pe <- sum(pj^2); k <- (mean(Pi) - pe) / (1 - pe)
  se <- sqrt(2) / (sum(pj * qj) * sqrt(N * m * (m - 1))) * sqrt(sum(pj * qj)^2 - sum(pj * qj * (qj - pj)))
  list(kappa = k, se = se, z = k / se, p_bar = mean(Pi), n = N)
}
kalpha <- function(mat, level = "nominal") {   # coders x units, NA = not coded
  vals <- sort(unique(as.vector(mat[!is.na(mat)])))
  C <- length(vals)
  o <- matrix(0, C, C)
  for (u in seq_len(ncol(mat))) {
    x <- mat[!is.na(mat[, u]), u]
    m <- length(x)
    if (m < 2) next
    nu <- tabulate(match(x, vals), nbins = C)
    o <- o + (outer(nu, nu) - diag(nu, C)) / (m - 1)
  }
  nc <- rowSums(o); n <- sum(nc)
  d <- switch(level,
    nominal = 1 - diag(C),
    interval = outer(vals, vals, "-")^2,
    ratio = (outer(vals, vals, "-") / outer(vals, vals, "+"))^2,
    ordinal = {
      d <- matrix(0, C, C)
      for (c in 1:C) for (k in 1:C) {
        g <- min(c, k):max(c, k)
        d[c, k] <- (sum(nc[g]) - (nc[c] + nc[k]) / 2)^2
      }
      d
    })
  1 - (n - 1) * sum(o * d) / sum(outer(nc, nc) * d)
}

out <- list()

# ---- Krippendorff (2011), "Computing Krippendorff's alpha-reliability", worked example -----------------
kd <- rbind(c(1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA),
            c(1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3),
            c(NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA),
            c(1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA))
out$krippendorff_example <- list(
  data = kd,
  alpha = sapply(c("nominal", "ordinal", "interval", "ratio"), function(l) kalpha(kd, l), simplify = FALSE),
  # values printed in Krippendorff (2011), three decimals
  published = list(nominal = 0.743, ordinal = 0.815, interval = 0.849, ratio = 0.797))

# ---- Fleiss (1971) psychiatric diagnoses: 30 patients x 6 raters (as irr's `diagnoses`) ---------------
diag_raters <- matrix(c(
  4,4,4,4,4,4, 2,2,2,5,5,5, 2,3,3,3,3,5, 5,5,5,5,5,5, 2,2,2,4,4,4, 1,1,3,3,3,3, 3,3,3,3,5,5,
  1,1,3,3,3,4, 1,1,4,4,4,4, 5,5,5,5,5,5, 1,4,4,4,4,4, 1,2,4,4,4,4, 2,2,2,3,3,3, 1,4,4,4,4,4,
  2,2,4,4,4,5, 3,3,3,3,3,5, 1,1,1,4,5,5, 1,1,1,1,1,2, 2,2,4,4,4,4, 1,3,3,5,5,5, 5,5,5,5,5,5,
  2,4,4,4,4,4, 2,2,4,5,5,5, 1,1,4,4,4,4, 1,4,4,4,4,5, 2,2,2,2,2,4, 1,1,1,1,5,5, 2,2,4,4,4,4,
  1,3,3,3,3,3, 5,5,5,5,5,5), ncol = 6, byrow = TRUE)
colnames(diag_raters) <- paste0("rater", 1:6)
write.csv(data.frame(patient = 1:30, diag_raters), "data/qual_diagnoses.csv", row.names = FALSE)
dcounts <- t(apply(diag_raters, 1, function(r) tabulate(r, nbins = 5)))
fd <- fleiss(dcounts)
out$diagnoses <- c(fd, list(alpha_nominal = kalpha(t(diag_raters)),
                            published_kappa = 0.430,          # Fleiss (1971)
                            published_irr_kappa = 0.4302445,  # irr::kappam.fleiss(diagnoses)
                            published_irr_z = 17.65183))

# ---- Cohen (1968) 3 x 3 table of proportions, n = 200 (the psych::cohen.kappa example) -----------------
ct <- matrix(c(0.44, 0.07, 0.09, 0.05, 0.20, 0.05, 0.01, 0.03, 0.06), ncol = 3, byrow = TRUE) * 200
ck <- cohen.kappa(ct / 200, n.obs = 200)
a <- rep(1:3, times = rowSums(ct))   # expand the table to unit-level labels
b <- unlist(lapply(1:3, function(i) rep(1:3, times = ct[i, ])))
cf <- cohen(a, b, 1:3)
out$cohen1968 <- list(table = ct, kappa = cf$kappa, se = cf$se, z = cf$z,
                      psych_kappa = ck$kappa, psych_var = ck$var.kappa,
                      psych_lower = ck$confid[1, 1], psych_upper = ck$confid[1, 3],
                      published_kappa = 0.492)   # Cohen (1968) reports .492

# ---- a shared coded data set: 3 coders x 40 units, one code per unit and coder, some units uncoded --------
set.seed(20260)
codes <- c("action_planning", "administrative_only", "feedback", "reflection")
truth <- sample(codes, 40, replace = TRUE, prob = c(.3, .3, .25, .15))
coded <- do.call(rbind, lapply(c("A", "B", "C"), function(cd) {
  flip <- runif(40) < c(A = .15, B = .25, C = .35)[cd]
  lab <- ifelse(flip, sample(codes, 40, replace = TRUE), truth)
  keep <- if (cd == "C") runif(40) > .2 else rep(TRUE, 40)
  data.frame(unit = sprintf("R%03d", 1:40), coder = cd, code = lab)[keep, ]
}))
write.csv(coded, "data/qual_coded.csv", row.names = FALSE)
wide <- sapply(c("A", "B", "C"), function(cd) {
  x <- rep(NA_character_, 40); s <- coded[coded$coder == cd, ]
  x[match(s$unit, sprintf("R%03d", 1:40))] <- s$code; x
})
ab <- cohen(wide[, "A"], wide[, "B"], codes)
ckab <- cohen.kappa(data.frame(wide[, "A"], wide[, "B"]))
complete <- complete.cases(wide)
cnt <- t(apply(wide[complete, ], 1, function(r) table(factor(r, levels = codes))))
fl <- fleiss(cnt)
num <- matrix(match(t(wide), codes), nrow = 3)
per_code <- lapply(setNames(codes, codes), function(cd) {
  pres <- (wide == cd) * 1; pres[is.na(pres)] <- 0          # unseen = "absent"
  cnt2 <- t(apply(pres, 1, function(r) tabulate(r + 1, nbins = 2)))
  list(alpha = kalpha(t(pres)), fleiss = fleiss(cnt2)$kappa,
       cohen = cohen(pres[, 1], pres[, 2], 0:1)$kappa, prevalence = mean(pres))
})
out$shared <- list(cohen_kappa = ab$kappa, cohen_se = ab$se, cohen_z = ab$z, psych_kappa = ckab$kappa,
                   psych_var = ckab$var.kappa, cohen_lower = ckab$confid[1, 1], cohen_upper = ckab$confid[1, 3],
                   fleiss_kappa = fl$kappa, fleiss_se = fl$se, fleiss_z = fl$z, fleiss_p_bar = fl$p_bar,
                   fleiss_n = fl$n, alpha_nominal = kalpha(num), per_code = per_code)

write_json(out, "qual_kappa.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
