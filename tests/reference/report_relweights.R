# Johnson's (2000) relative weights, by hand in R matrix algebra, on bfi scale means.
# Run from this folder: Rscript report_relweights.R  ->  report_relweights.json
suppressPackageStartupMessages(library(jsonlite))
bfi <- read.csv("data/bfi.csv")
rev_items <- c("A1", "C4", "C5", "E1", "E2", "O2", "O5")
for (it in rev_items) bfi[[it]] <- 7 - bfi[[it]]
scale_mean <- function(prefix) rowMeans(bfi[, paste0(prefix, 1:5)], na.rm = TRUE)
d <- data.frame(E = scale_mean("E"), A = scale_mean("A"), C = scale_mean("C"),
                N = scale_mean("N"), O = scale_mean("O"))
d <- d[complete.cases(d), ]
drivers <- c("A", "C", "N", "O")
R <- cor(d[, c(drivers, "E")])
Rxx <- R[drivers, drivers]
rxy <- R[drivers, "E"]
ev <- eigen(Rxx, symmetric = TRUE)
P <- ev$vectors
Lambda <- P %*% diag(sqrt(ev$values)) %*% t(P)
beta <- solve(Lambda, rxy)
raw <- as.vector(Lambda^2 %*% beta^2)
names(raw) <- drivers
r2 <- as.numeric(t(rxy) %*% solve(Rxx) %*% rxy)
fit <- lm(E ~ A + C + N + O, data = d)
out <- list(
  n = nrow(d), drivers = drivers,
  raw_weight = as.list(raw), rescaled = as.list(100 * raw / sum(raw)),
  r2 = r2, r2_lm = summary(fit)$r.squared, sum_raw = sum(raw)
)
write_json(out, "report_relweights.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
