{#- The regions of every pemda (the pemda, its kecamatan and kelurahan): the seed ref_wilayah
    (Samarinda) and the referensi.wilayah lists other pemda send (macro daftar_per_pemda). The
    contract carries luas_km2 as text (Indonesian decimals at ingest); the list holds it as a
    number. -#}
{{ daftar_per_pemda('ref_wilayah', 'wilayah', cast_as={'luas_km2': 'decimal(12, 3)'}) }}
