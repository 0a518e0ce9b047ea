-- A small Italian ERP, as the sql connector meets it in the field (MariaDB / MySQL flavour).
-- Names are the ERP's own: anagrafica clienti, indirizzi, contatti, fatture, scadenziario,
-- blocchi credito; clienti_crmhub is the import table the hub writes golden records into.

CREATE TABLE anagrafica_clienti (
    codice               VARCHAR(10)   NOT NULL,
    ragione_sociale      VARCHAR(80)   NOT NULL,
    partita_iva          CHAR(11)      NULL,
    codice_fiscale       VARCHAR(16)   NULL,
    tipo                 CHAR(1)       NOT NULL DEFAULT 'C',   -- C cliente, P prospect
    email                VARCHAR(120)  NULL,
    telefono             VARCHAR(30)   NULL,
    fido                 DECIMAL(12,2) NULL,
    data_creazione       DATETIME      NOT NULL,
    data_ultima_modifica DATETIME      NULL,                  -- NULL on rows migrated from the old ERP
    annullato            CHAR(1)       NOT NULL DEFAULT 'N',   -- S = cancellato logicamente
    note                 TEXT          NULL,
    PRIMARY KEY (codice),
    KEY ix_clienti_modifica (data_ultima_modifica, codice)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE indirizzi (
    id                   INT           NOT NULL AUTO_INCREMENT,
    codice_cliente       VARCHAR(10)   NOT NULL,
    tipo_indirizzo       CHAR(2)       NOT NULL,   -- SL sede legale, DM destinazione merce, FA fatturazione
    indirizzo            VARCHAR(120)  NOT NULL,
    cap                  CHAR(5)       NULL,
    citta                VARCHAR(60)   NULL,
    provincia            CHAR(2)       NULL,
    nazione              CHAR(2)       NOT NULL DEFAULT 'IT',
    data_ultima_modifica DATETIME      NOT NULL,
    PRIMARY KEY (id),
    KEY ix_indirizzi_modifica (data_ultima_modifica, id),
    CONSTRAINT fk_indirizzi_cliente FOREIGN KEY (codice_cliente) REFERENCES anagrafica_clienti (codice)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE contatti (
    codice_cliente       VARCHAR(10)   NOT NULL,
    progressivo          INT           NOT NULL,
    nome                 VARCHAR(60)   NULL,
    cognome              VARCHAR(60)   NULL,
    ruolo                VARCHAR(40)   NULL,
    telefono             VARCHAR(30)   NULL,
    email                VARCHAR(120)  NULL,
    data_ultima_modifica DATETIME(6)   NOT NULL,   -- microseconds: the cursor must keep them
    PRIMARY KEY (codice_cliente, progressivo),
    KEY ix_contatti_modifica (data_ultima_modifica, codice_cliente, progressivo),
    CONSTRAINT fk_contatti_cliente FOREIGN KEY (codice_cliente) REFERENCES anagrafica_clienti (codice)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE fatture (
    anno                 INT           NOT NULL,
    numero               INT           NOT NULL,
    codice_cliente       VARCHAR(10)   NOT NULL,
    data_documento       DATE          NOT NULL,
    imponibile           DECIMAL(12,2) NOT NULL,
    aliquota_iva         DECIMAL(5,2)  NOT NULL,
    totale               DECIMAL(12,2) NOT NULL,
    data_ultima_modifica DATETIME      NOT NULL,
    PRIMARY KEY (anno, numero),
    CONSTRAINT fk_fatture_cliente FOREIGN KEY (codice_cliente) REFERENCES anagrafica_clienti (codice)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE scadenziario (
    id                   INT           NOT NULL AUTO_INCREMENT,
    anno                 INT           NOT NULL,
    numero               INT           NOT NULL,
    data_scadenza        DATE          NOT NULL,
    importo              DECIMAL(12,2) NOT NULL,
    pagato               CHAR(1)       NOT NULL DEFAULT 'N',
    data_ultima_modifica DATETIME      NOT NULL,
    PRIMARY KEY (id),
    CONSTRAINT fk_scadenze_fattura FOREIGN KEY (anno, numero) REFERENCES fatture (anno, numero)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE blocchi_credito (
    codice_cliente       VARCHAR(10)   NOT NULL,
    bloccato             BOOLEAN       NOT NULL,
    motivo               VARCHAR(200)  NULL,
    data_blocco          DATE          NULL,
    fido_residuo         DECIMAL(12,2) NULL,
    PRIMARY KEY (codice_cliente),
    CONSTRAINT fk_blocchi_cliente FOREIGN KEY (codice_cliente) REFERENCES anagrafica_clienti (codice)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE clienti_crmhub (
    crmhub_id            VARCHAR(40)   NOT NULL,
    codice_erp           VARCHAR(10)   NULL,
    ragione_sociale      VARCHAR(80)   NOT NULL,
    partita_iva          CHAR(11)      NULL,
    email                VARCHAR(120)  NULL,
    fido                 DECIMAL(12,2) NULL,
    consenso_marketing   BOOLEAN       NULL,
    ultimo_contatto      DATETIME(6)   NULL,
    logo                 BLOB          NULL,
    PRIMARY KEY (crmhub_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
